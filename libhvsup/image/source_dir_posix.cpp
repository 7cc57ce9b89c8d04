// SPDX-License-Identifier: MIT
// Directory input (POSIX): depth first, each directory's names in byte order, listed with
// getdents64 and looked up relative to the directory's descriptor, never following symlinks
// (image/dir_entry_posix.hpp). Hard links by (dev, ino); sparse files through SEEK_DATA/SEEK_HOLE.
#include "image/sources.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "image/dir_entry_posix.hpp"
#include "image/ext4_format.hpp"
#include "image/name_list.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

FileTime to_time(const struct timespec& ts) { return FileTime{ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec)}; }

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

Inode attrs_of(const struct stat& st, std::pmr::vector<Xattr> xattrs)
{
    Inode a;
    a.mode = st.st_mode & (s_ifmt | 07777);
    a.uid = st.st_uid;
    a.gid = st.st_gid;
    a.atime = to_time(st.st_atim);
    a.mtime = to_time(st.st_mtim);
    a.ctime = to_time(st.st_ctim);
    if (!xattrs.empty()) a.mutable_xattrs() = std::move(xattrs);
    return a;
}

// Adds the looked-up entry `rel` (`abs` on the host) to the tree, with its data; a directory
// also goes on `subdirs`.
void add_entry(Ext4Writer& writer, LookedUp& entry, const std::string& rel, const std::string& abs,
               std::pmr::map<std::pair<dev_t, ino_t>, std::pmr::string>& seen, NameList& subdirs)
{
    FsTree& tree = writer.tree();
    const struct stat& st = entry.st;
    writer.note_entry();
    // Hard links of every kind but directories (symlinks, FIFOs, devices and sockets too) stay
    // links, as they do from a tar.
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        auto key = std::make_pair(st.st_dev, st.st_ino);
        auto it = seen.find(key);
        if (it != seen.end()) {
            tree.add_hard_link(rel, it->second);
            return;
        }
        seen.emplace(key, std::string_view(rel));
    }
    Inode a = attrs_of(st, std::move(entry.xattrs));
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
        tree.add(rel, std::move(a));
        subdirs.push_back(rel);
        break;
    case S_IFREG: {
        a.size = static_cast<uint64_t>(st.st_size);
        const InodeRef ref = tree.add(rel, std::move(a));
        copy_data(writer, ref, entry.file, abs, static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_blocks) * 512, rel);
        break;
    }
    case S_IFLNK:
        a.set_target(entry.target);
        tree.add(rel, std::move(a));
        break;
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

// Reads the names in the open directory `dfd`, each tagged with its d_type, straight from
// getdents64 into `names`: no DIR stream, whose set-up costs a syscall per directory.
void list_directory(int dfd, const std::string& path, std::vector<uint64_t>& buffer, NameList& names)
{
    const size_t bytes = buffer.size() * sizeof(uint64_t);
    while (true) {
        const ssize_t n = ::getdents64(dfd, buffer.data(), bytes);
        if (n < 0) throw system_error(errno, "read " + path);
        if (n == 0) return;
        const auto* at = reinterpret_cast<const char*>(buffer.data());
        for (ssize_t pos = 0; pos < n;) {
            const auto* e = reinterpret_cast<const struct dirent64*>(at + pos);
            pos += e->d_reclen;
            const std::string_view name = e->d_name;
            if (name != "." && name != "..") names.push_back(name, e->d_type);
        }
    }
}

}  // namespace

void add_directory(Ext4Writer& writer, const std::filesystem::path& dir)
{
    FsTree& tree = writer.tree();
    const std::string base = files::to_utf8(dir);
    struct stat st {};
    if (::lstat(base.c_str(), &st) != 0) throw system_error(errno, "read " + base);
    if (!S_ISDIR(st.st_mode)) throw Error(ErrorCode::invalid_argument, base + " is not a directory");
    tree.add("", attrs_of(st, read_xattrs(-1, base)));

    // Everything that grows with the tree takes the tree's (spilled) memory.
    std::pmr::memory_resource* mem = writer.memory();
    std::pmr::map<std::pair<dev_t, ino_t>, std::pmr::string> seen(mem);
    NameList pending(mem);  // relative directories still to read
    pending.push_back("");
    NameList names(mem), subdirs(mem);
    std::vector<uint64_t> listing(64u << 10 >> 3);  // getdents64's buffer, 8-byte aligned
    LookedUp entry;  // reused: its descriptor is handed to `spent` once the entry is added
    SpentFiles spent;
    while (!pending.empty()) {
        const std::string rel_dir(pending.back());
        names.clear();
        subdirs.clear();
        pending.pop_back();
        const std::string abs_dir = rel_dir.empty() ? base : base + "/" + rel_dir;
        // The entries are looked up relative to the directory's descriptor (kept open while
        // they are read): no walk of the whole path for every stat, open and readlink.
        const Fd dfd(open_noatime(AT_FDCWD, abs_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
        if (dfd.get() < 0) throw system_error(errno, "read " + abs_dir);
        list_directory(dfd.get(), abs_dir, listing, names);
        if (names.empty()) continue;
        names.sort([&] { writer.checkpoint(); });
        for (size_t i = 0; i < names.size(); ++i) {
            writer.checkpoint();
            const std::string name(names[i]);
            const std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
            const std::string abs = base + "/" + rel;
            look_up(dfd.get(), name.c_str(), names.tag(i), abs, entry);
            add_entry(writer, entry, rel, abs, seen, subdirs);
            spent.add(entry.file);
        }
        // Depth first, in name order.
        for (size_t i = subdirs.size(); i-- > 0;) pending.push_back(subdirs[i]);
    }
}

}  // namespace hvsup::image
