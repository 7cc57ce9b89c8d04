// SPDX-License-Identifier: MIT
// POSIX implementation of image/dir_entry_posix.hpp.
#include "image/dir_entry_posix.hpp"

#include "core/error.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

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


}  // namespace

void SpentFiles::add(Fd& file)
{
    if (file.get() < 0) return;
    fds_.push_back(file.release());
    if (fds_.size() >= batch) close_all();
}

void SpentFiles::close_all()
{
    if (fds_.empty()) return;
    std::sort(fds_.begin(), fds_.end());
    const bool consecutive = static_cast<size_t>(fds_.back() - fds_.front()) + 1 == fds_.size();
    // close_range needs Linux 5.9; on an older kernel (ENOSYS) they are closed one by one.
    if (!consecutive || ::close_range(static_cast<unsigned>(fds_.front()), static_cast<unsigned>(fds_.back()), 0) != 0) {
        for (int fd : fds_) ::close(fd);
    }
    fds_.clear();
}

int open_noatime(int dir, const char* name, int flags)
{
    int fd = ::openat(dir, name, flags | O_NOATIME | O_CLOEXEC);
    if (fd < 0 && errno == EPERM) fd = ::openat(dir, name, flags | O_CLOEXEC);
    return fd;
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

// A name listed as a regular file is opened first and its status taken from the descriptor (one
// lookup of the name, and the attributes are the opened file's). A symlink is read first and
// stat'ed after, so the atime recorded is the one the read left: readlink may update it
// (relatime) and no flag avoids that, and a second build of the same tree must see the same
// value. Anything else, or a name that changed kind since it was listed, takes fstatat.
void look_up(int dfd, const char* name, uint32_t type, const std::string& abs, LookedUp& out)
{
    bool have_stat = false, have_target = false;
    out.file.reset();
    out.target.clear();
    if (type == DT_REG) {
        // O_NONBLOCK: a name swapped for a FIFO since it was listed must not block the open.
        out.file.reset(open_noatime(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK));
        if (out.file.get() >= 0) {
            if (::fstat(out.file.get(), &out.st) != 0) throw system_error(errno, "read " + abs);
            have_stat = true;
            if (!S_ISREG(out.st.st_mode)) out.file.reset();
        }
    } else if (type == DT_LNK) {
        char target[4096];  // PATH_MAX: Linux's bound on a symlink's target
        const ssize_t len = ::readlinkat(dfd, name, target, sizeof target);
        if (len >= 0 && static_cast<size_t>(len) < sizeof target) {
            out.target.assign(target, static_cast<size_t>(len));
            have_target = true;
        }
    }
    if (!have_stat && ::fstatat(dfd, name, &out.st, AT_SYMLINK_NOFOLLOW) != 0) throw system_error(errno, "read " + abs);
    if (S_ISREG(out.st.st_mode) && out.st.st_size > 0 && out.file.get() < 0) {
        out.file.reset(open_noatime(dfd, name, O_RDONLY | O_NOFOLLOW));
        if (out.file.get() < 0) throw system_error(errno, "open " + abs);
    }
    if (S_ISLNK(out.st.st_mode) && (!have_target || static_cast<uint64_t>(out.st.st_size) != out.target.size())) {
        // Not read yet, or replaced between the read and the stat: read now, stat again.
        out.target.assign(static_cast<size_t>(out.st.st_size) + 1, '\0');
        const ssize_t len = ::readlinkat(dfd, name, out.target.data(), out.target.size());
        if (len < 0) throw system_error(errno, "read link " + abs);
        out.target.resize(static_cast<size_t>(len));
        struct stat after {};
        if (::fstatat(dfd, name, &after, AT_SYMLINK_NOFOLLOW) == 0) out.st.st_atim = after.st_atim;
    }
    out.xattrs = read_xattrs(out.file.get(), abs);
}

}  // namespace hvsup::image
