// SPDX-License-Identifier: MIT
// One entry of a source directory, looked up (POSIX): its status, its open descriptor, a
// symlink's target and its extended attributes, with as few syscalls as the listing allows.
#pragma once

#include "image/fs_tree.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <memory_resource>
#include <string>
#include <vector>

namespace hvsup::image {

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release()
    {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1)
    {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

// Descriptors of files already read, closed together: a close costs a system call of its own,
// and on a paravirtualised VM the call itself is much of the cost (issue 15: about 2% of a build
// from a directory of small files, docs/image.md). Those that are consecutive numbers are closed
// with one close_range; all of them were ours, so no other thread's descriptor is among them.
class SpentFiles {
public:
    static constexpr size_t batch = 32;  // open at most this many more descriptors than before

    SpentFiles() { fds_.reserve(batch); }
    ~SpentFiles() { close_all(); }
    SpentFiles(const SpentFiles&) = delete;
    SpentFiles& operator=(const SpentFiles&) = delete;
    // Takes `file`'s descriptor (if any), closing the batch when it is full.
    void add(Fd& file);
    void close_all();

private:
    std::vector<int> fds_;
};

// Opens `name` in the directory `dir` (AT_FDCWD: a path) for reading without updating the
// source's atime (O_NOATIME: the caller owns the file or is privileged), so building twice from
// the same tree reads the same attributes.
int open_noatime(int dir, const char* name, int flags);

// The extended attributes of the open file `fd`, or (`fd` < 0) of `path`, not following a
// symlink. None when the filesystem has none.
std::pmr::vector<Xattr> read_xattrs(int fd, const std::string& path);

// One directory entry as looked up.
struct LookedUp {
    struct stat st {};
    Fd file;             // a regular file, open for reading; -1 for other kinds
    std::string target;  // a symlink's target
    std::pmr::vector<Xattr> xattrs;
};

// Looks `name` up in the open directory `dfd` into `out` (which may hold an earlier entry: it
// is reset), never following a symlink. `type` is the name's d_type from the listing (DT_UNKNOWN
// when the filesystem gives none); `abs` is the entry's path, for by-path calls and messages.
void look_up(int dfd, const char* name, uint32_t type, const std::string& abs, LookedUp& out);

}  // namespace hvsup::image
