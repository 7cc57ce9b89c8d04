// SPDX-License-Identifier: MIT
// Directory input (POSIX): entries are looked up relative to their directory's descriptor with
// fstatat(AT_SYMLINK_NOFOLLOW), never following symlinks; hard links by (dev, ino); xattrs through
// flistxattr on the open file (llistxattr for other kinds); sparse files through SEEK_DATA/SEEK_HOLE.
#include "image/sources.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "image/ext4_format.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <vector>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

using namespace ext4;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { if (fd_ >= 0) ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

FileTime to_time(const struct timespec& ts) { return FileTime{ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec)}; }

// Through the open descriptor when there is one (`fd` >= 0: no path lookup), else by path
// without following a symlink.
ssize_t list_xattrs(int fd, const std::string& path, char* list, size_t size)
{
    return fd >= 0 ? ::flistxattr(fd, list, size) : ::llistxattr(path.c_str(), list, size);
}
ssize_t get_xattr(int fd, const std::string& path, const char* name, void* value, size_t size)
{
    return fd >= 0 ? ::fgetxattr(fd, name, value, size) : ::lgetxattr(path.c_str(), name, value, size);
}

std::pmr::vector<Xattr> read_xattrs(int fd, const std::string& path)
{
    std::pmr::vector<Xattr> out;
    ssize_t n = list_xattrs(fd, path, nullptr, 0);
    if (n < 0) {
        if (errno == ENOTSUP || errno == ENOSYS) return out;
        throw system_error(errno, "list attributes of " + path);
    }
    if (n == 0) return out;
    std::string names(static_cast<size_t>(n), '\0');
    n = list_xattrs(fd, path, names.data(), names.size());
    if (n < 0) throw system_error(errno, "list attributes of " + path);
    names.resize(static_cast<size_t>(n));
    for (size_t pos = 0; pos < names.size();) {
        std::string name = names.c_str() + pos;
        pos += name.size() + 1;
        if (name.empty()) continue;
        ssize_t v = get_xattr(fd, path, name.c_str(), nullptr, 0);
        if (v < 0) {
            if (errno == ENODATA) continue;
            throw system_error(errno, fmt::format("read attribute {} of {}", name, path));
        }
        std::string value(static_cast<size_t>(v), '\0');
        v = get_xattr(fd, path, name.c_str(), value.data(), value.size());
        if (v < 0) throw system_error(errno, fmt::format("read attribute {} of {}", name, path));
        value.resize(static_cast<size_t>(v));
        out.emplace_back(name, value);
    }
    return out;
}

// One source file read from an explicit offset: pread, or copy_file_range into the image.
class FileSource final : public DataSource {
public:
    FileSource(int fd, const std::string& path, uint64_t size) : fd_(fd), path_(path), size_(size) {}
    void seek(uint64_t offset) { offset_ = offset; }
    size_t read(uint8_t* buf, size_t max) override
    {
        while (true) {
            ssize_t n = ::pread(fd_, buf, max, static_cast<off_t>(offset_));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw system_error(errno, "read " + path_);
            offset_ += static_cast<uint64_t>(n);
            return static_cast<size_t>(n);
        }
    }
    bool copy_to(OutputFile& out, uint64_t out_offset, uint64_t size) override
    {
        // Small runs go through the writer's buffer (combined writes beat one syscall per file);
        // the read path also reports a file that shrank.
        if (size < (256u << 10) || offset_ + size > size_) return false;
        if (!out.copy_from_file(fd_, offset_, size, out_offset)) return false;
        offset_ += size;
        return true;
    }

private:
    int fd_;
    const std::string& path_;
    uint64_t size_;
    uint64_t offset_ = 0;
};

// Opens `name` in the directory `dir` (AT_FDCWD: a path) for reading without updating the
// source's atime (O_NOATIME: the caller owns the file or is privileged), so building twice from
// the same tree reads the same attributes.
int open_noatime(int dir, const char* name, int flags)
{
    int fd = ::openat(dir, name, flags | O_NOATIME | O_CLOEXEC);
    if (fd < 0 && errno == EPERM) fd = ::openat(dir, name, flags | O_CLOEXEC);
    return fd;
}

// `fd` is the open file `path`.
void copy_data(Ext4Writer& writer, InodeRef ref, const Fd& fd, const std::string& path, uint64_t size, uint64_t allocated,
               const std::string& rel)
{
    if (size == 0) return;
    FileSource reader(fd.get(), path, size);
    if (allocated >= size) {
        // As many bytes allocated as the size: no holes to find (two lseeks saved per file).
        writer.write_data(ref, 0, size, reader, rel);
        return;
    }
    uint64_t pos = 0;
    while (pos < size) {
        off_t data = ::lseek(fd.get(), static_cast<off_t>(pos), SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO) break;  // only a hole remains
            if (errno != EINVAL && errno != ENOTSUP) throw system_error(errno, "seek " + path);
            reader.seek(pos);  // no hole support: one segment
            writer.write_data(ref, pos, size - pos, reader, rel);
            return;
        }
        off_t hole = ::lseek(fd.get(), data, SEEK_HOLE);
        if (hole < 0) throw system_error(errno, "seek " + path);
        const uint64_t end = std::min<uint64_t>(static_cast<uint64_t>(hole), size);
        reader.seek(static_cast<uint64_t>(data));
        if (end > static_cast<uint64_t>(data)) writer.write_data(ref, static_cast<uint64_t>(data), end - data, reader, rel);
        pos = end;
    }
}

// `fd`: the open file, or -1 (attributes are then read by path).
Inode attrs_of(const struct stat& st, int fd, const std::string& path)
{
    Inode a;
    a.mode = st.st_mode & (s_ifmt | 07777);
    a.uid = st.st_uid;
    a.gid = st.st_gid;
    a.atime = to_time(st.st_atim);
    a.mtime = to_time(st.st_mtim);
    a.ctime = to_time(st.st_ctim);
    if (auto x = read_xattrs(fd, path); !x.empty()) a.mutable_xattrs() = std::move(x);
    return a;
}

// Names (or relative paths) packed into one byte buffer with an index, in the writer's memory:
// a directory of a million entries costs its bytes plus 16 per name, and freeing the list is
// two deallocations rather than a walk over a million strings.
class NameList {
public:
    explicit NameList(std::pmr::memory_resource* mem) : bytes_(mem), index_(mem) {}
    void push_back(std::string_view name)
    {
        index_.push_back({bytes_.size(), name.size()});
        bytes_.insert(bytes_.end(), name.begin(), name.end());
    }
    void pop_back()  // the last one pushed (the list used as a stack)
    {
        bytes_.resize(index_.back().first);
        index_.pop_back();
    }
    std::string_view operator[](size_t i) const { return {bytes_.data() + index_[i].first, index_[i].second}; }
    std::string_view back() const { return (*this)[index_.size() - 1]; }
    size_t size() const { return index_.size(); }
    bool empty() const { return index_.empty(); }
    void clear()
    {
        bytes_.clear();
        index_.clear();
    }
    // Sorts by name (bytewise); `checkpoint` runs now and then, as the sort touches the list.
    template <class Checkpoint>
    void sort(Checkpoint checkpoint)
    {
        std::sort(index_.begin(), index_.end(), [&](const auto& a, const auto& b) {
            checkpoint();
            return std::string_view(bytes_.data() + a.first, a.second) < std::string_view(bytes_.data() + b.first, b.second);
        });
    }

private:
    std::pmr::vector<char> bytes_;
    std::pmr::vector<std::pair<size_t, size_t>> index_;  // offset, length
};

}  // namespace

void add_directory(Ext4Writer& writer, const std::filesystem::path& dir)
{
    FsTree& tree = writer.tree();
    const std::string base = files::to_utf8(dir);
    struct stat st {};
    if (::lstat(base.c_str(), &st) != 0) throw system_error(errno, "read " + base);
    if (!S_ISDIR(st.st_mode)) throw Error(ErrorCode::invalid_argument, base + " is not a directory");
    tree.add("", attrs_of(st, -1, base));

    // Everything that grows with the tree takes the tree's (spilled) memory.
    std::pmr::memory_resource* mem = writer.memory();
    std::pmr::map<std::pair<dev_t, ino_t>, std::pmr::string> seen(mem);
    NameList pending(mem);  // relative directories still to read
    pending.push_back("");
    NameList names(mem), subdirs(mem);
    while (!pending.empty()) {
        const std::string rel_dir(pending.back());
        names.clear();
        subdirs.clear();
        pending.pop_back();
        const std::string abs_dir = rel_dir.empty() ? base : base + "/" + rel_dir;
        // The entries are looked up relative to the directory's descriptor (kept open while
        // they are read): no walk of the whole path for every stat, open and readlink.
        const int dfd = open_noatime(AT_FDCWD, abs_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (dfd < 0) throw system_error(errno, "read " + abs_dir);
        DIR* d = ::fdopendir(dfd);
        if (d == nullptr) {
            const int err = errno;
            ::close(dfd);
            throw system_error(err, "read " + abs_dir);
        }
        const std::unique_ptr<DIR, int (*)(DIR*)> dir_closer(d, ::closedir);
        errno = 0;
        while (dirent* e = ::readdir(d)) {
            const std::string_view n = e->d_name;
            if (n != "." && n != "..") names.push_back(n);
        }
        if (errno != 0) throw system_error(errno, "read " + abs_dir);
        names.sort([&] { writer.checkpoint(); });
        for (size_t i = 0; i < names.size(); ++i) {
            writer.checkpoint();
            const std::string name(names[i]);
            const std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
            const std::string abs = base + "/" + rel;
            if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw system_error(errno, "read " + abs);
            writer.note_entry();
            // Hard links of every kind but directories (symlinks, FIFOs, devices and sockets
            // too) stay links, as they do from a tar.
            if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
                auto key = std::make_pair(st.st_dev, st.st_ino);
                auto it = seen.find(key);
                if (it != seen.end()) {
                    tree.add_hard_link(rel, it->second);
                    continue;
                }
                seen.emplace(key, std::string_view(rel));
            }
            // A regular file with data is opened first, so its attributes are read through the
            // descriptor too.
            const bool has_data = S_ISREG(st.st_mode) && st.st_size > 0;
            Fd file(has_data ? open_noatime(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW) : -1);
            if (has_data && file.get() < 0) throw system_error(errno, "open " + abs);
            Inode a = attrs_of(st, file.get(), abs);
            switch (st.st_mode & S_IFMT) {
            case S_IFDIR:
                tree.add(rel, std::move(a));
                subdirs.push_back(rel);
                break;
            case S_IFREG: {
                a.size = static_cast<uint64_t>(st.st_size);
                const InodeRef ref = tree.add(rel, std::move(a));
                copy_data(writer, ref, file, abs, static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_blocks) * 512, rel);
                break;
            }
            case S_IFLNK: {
                std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
                ssize_t len = ::readlinkat(dfd, name.c_str(), target.data(), target.size());
                if (len < 0) throw system_error(errno, "read link " + abs);
                target.resize(static_cast<size_t>(len));
                a.set_target(target);
                // readlink updates a symlink's atime (relatime: the first read after a change)
                // and no flag avoids it: record the atime as it stands after the read, so a
                // second build of the same tree sees the same value.
                struct stat after {};
                if (::fstatat(dfd, name.c_str(), &after, AT_SYMLINK_NOFOLLOW) == 0) a.atime = to_time(after.st_atim);
                tree.add(rel, std::move(a));
                break;
            }
            case S_IFCHR:
            case S_IFBLK:
                a.dev_major = major(st.st_rdev);
                a.dev_minor = minor(st.st_rdev);
                tree.add(rel, std::move(a));
                break;
            default:  // fifos and sockets
                tree.add(rel, std::move(a));
                break;
            }
        }
        // Depth first, in name order.
        for (size_t i = subdirs.size(); i-- > 0;) pending.push_back(subdirs[i]);
    }
}

}  // namespace hvsup::image
