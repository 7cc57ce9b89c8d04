// SPDX-License-Identifier: MIT
#include "image/guest_init.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "image/ext4_format.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

Error bad_file(const std::string& path, std::string_view why, ErrorCode code = ErrorCode::invalid_argument)
{
    return Error(code, fmt::format("image request: guestInit: {}: {}", path, why));
}

// The image side: named by the absolute path in the image, which is what the user knows.
Error bad_place(std::string_view why)
{
    return Error(ErrorCode::invalid_argument,
                 fmt::format("image request: guestInit: cannot install /sbin/{}: {}", guest_init_name, why));
}

std::string_view describe(uint32_t mode)
{
    switch (ext4::file_type_of(mode)) {
    case ext4::FileType::regular: return "a regular file";
    case ext4::FileType::directory: return "a directory";
    case ext4::FileType::chardev: return "a character device";
    case ext4::FileType::blockdev: return "a block device";
    case ext4::FileType::fifo: return "a FIFO";
    case ext4::FileType::socket: return "a socket";
    case ext4::FileType::symlink: return "a symlink";
    default: return "an entry of unknown type";
    }
}

std::string_view describe(std::filesystem::file_type type)
{
    using std::filesystem::file_type;
    switch (type) {
    case file_type::directory: return "a directory";
    case file_type::character: return "a character device";
    case file_type::block: return "a block device";
    case file_type::fifo: return "a FIFO";
    case file_type::socket: return "a socket";
    default: return "not a regular file";
    }
}

uint32_t type_of(const Inode& inode) { return inode.mode & ext4::s_ifmt; }

// The directory /sbin stands for when it is a symlink: its target resolved inside the image
// (an absolute target is relative to the image's root, as it is in the booted guest). Only
// /sbin itself is followed: a link on the way to its target could send the file anywhere.
std::string follow_sbin(const FsTree& tree, std::string_view target)
{
    std::vector<std::string_view> parts;
    for (size_t pos = 0; pos <= target.size();) {
        size_t end = std::min(target.find('/', pos), target.size());
        std::string_view part = target.substr(pos, end - pos);
        pos = end + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            throw bad_place(fmt::format("/sbin is a symlink to \"{}\", and \"..\" is not followed", target));
        }
        parts.push_back(part);
    }
    if (parts.empty()) throw bad_place(fmt::format("/sbin is a symlink to \"{}\", the root directory", target));
    std::string dir;
    bool missing = false;
    for (std::string_view part : parts) {
        dir += (dir.empty() ? "" : "/") + std::string(part);
        if (missing) continue;
        const InodeRef ref = tree.find(dir);
        missing = ref == no_inode;  // missing from here on: created as plain directories
        if (missing) continue;
        const Inode& inode = tree.inode(ref);
        if (type_of(inode) == ext4::s_iflnk) {
            throw bad_place(fmt::format("/sbin is a symlink to \"{}\", and /{} in the image is a symlink too "
                                        "(to \"{}\"); only /sbin itself is followed",
                                        target, dir, inode.target()));
        }
        if (type_of(inode) != ext4::s_ifdir) {
            throw bad_place(fmt::format("/sbin is a symlink to \"{}\", and /{} in the image is {}, not a directory",
                                        target, dir, describe(inode.mode)));
        }
    }
    return dir;
}

// The file's bytes, handed to the writer as one data segment.
class MemorySource final : public DataSource {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    size_t read(uint8_t* buf, size_t max) override
    {
        const size_t n = std::min(max, data_.size() - pos_);
        std::memcpy(buf, data_.data() + pos_, n);
        pos_ += n;
        return n;
    }

private:
    std::string_view data_;
    size_t pos_ = 0;
};

}  // namespace

std::string elf_executable_problem(std::span<const uint8_t> h)
{
    static constexpr uint8_t magic[4] = {0x7F, 'E', 'L', 'F'};
    if (h.size() < 4 || std::memcmp(h.data(), magic, 4) != 0) {
        return "not an ELF file (it does not start with \\x7fELF)";
    }
    if (h.size() < 16) return fmt::format("a truncated ELF file ({} bytes)", h.size());
    const uint8_t elf_class = h[4], data = h[5], version = h[6];
    if (elf_class != 1 && elf_class != 2) return fmt::format("an ELF file of unknown class {}", elf_class);
    if (data != 1 && data != 2) return fmt::format("an ELF file of unknown byte order {}", data);
    if (version != 1) return fmt::format("an ELF file of unknown version {}", version);
    const size_t header_size = elf_class == 1 ? 52 : 64;
    if (h.size() < header_size) {
        return fmt::format("a truncated ELF file ({} bytes, the header needs {})", h.size(), header_size);
    }
    const unsigned type = data == 1 ? h[16] | (h[17] << 8) : (h[16] << 8) | h[17];
    switch (type) {
    case 2:  // ET_EXEC
    case 3:  // ET_DYN: position-independent executables (and shared objects, which look alike)
        return {};
    case 0: return "an ELF file of type ET_NONE, not an executable";
    case 1: return "an ELF relocatable object (ET_REL), not an executable";
    case 4: return "an ELF core dump (ET_CORE), not an executable";
    default: return fmt::format("an ELF file of type {:#x}, not an executable", type);
    }
}

GuestInitFile read_guest_init(const std::string& path)
{
    if (path.empty()) throw bad_file("\"\"", "an empty path");
    const auto p = files::from_utf8(path);
    std::error_code ec;
    const auto st = std::filesystem::status(p, ec);  // follows symlinks on the host, as exec would
    if (st.type() == std::filesystem::file_type::not_found) {
        const bool dangling = std::filesystem::symlink_status(p, ec).type() == std::filesystem::file_type::symlink;
        throw bad_file(path, dangling ? "a dangling symlink" : "does not exist");
    }
    if (ec) throw bad_file(path, ec.message(), ErrorCode::io);
    // Checked before opening: opening a FIFO would wait for a writer.
    if (st.type() != std::filesystem::file_type::regular) {
        throw bad_file(path, fmt::format("is {}, not a regular file", describe(st.type())));
    }
    if (const auto size = std::filesystem::file_size(p, ec); !ec && size > guest_init_max_bytes) {
        throw bad_file(path,
                       fmt::format("is {} bytes; a guest init may be at most {} MiB", size, guest_init_max_bytes >> 20),
                       ErrorCode::too_large);
    }
    auto data = files::read_if_exists(p, guest_init_max_bytes);  // also caps a file that grew since
    if (!data) throw bad_file(path, "does not exist");
    const std::string problem = elf_executable_problem(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data->data()), std::min<size_t>(data->size(), 64)));
    if (!problem.empty()) throw bad_file(path, fmt::format("is {}; the guest init must be an ELF executable", problem));
    return {path, std::move(*data)};
}

std::string install_guest_init(Ext4Writer& writer, const GuestInitFile& init, int64_t timestamp)
{
    FsTree& tree = writer.tree();
    std::string dir = "sbin";
    if (const InodeRef sbin = tree.find(dir); sbin != no_inode) {
        const Inode& inode = tree.inode(sbin);
        if (type_of(inode) == ext4::s_iflnk) {
            dir = follow_sbin(tree, inode.target());
        } else if (type_of(inode) != ext4::s_ifdir) {
            throw bad_place(fmt::format("/sbin in the image is {}, not a directory", describe(inode.mode)));
        }
    }
    const std::string name = fmt::format("{}/{}", dir, guest_init_name);
    if (const InodeRef existing = tree.find(name); existing != no_inode) {
        const Inode& inode = tree.inode(existing);
        // A link would make the init whatever it points at; a directory would be dropped with its contents.
        if (type_of(inode) == ext4::s_iflnk) {
            throw bad_place(
                fmt::format("/{} in the image is a symlink (to \"{}\"), which is not replaced", name, inode.target()));
        }
        if (type_of(inode) == ext4::s_ifdir) throw bad_place(fmt::format("/{} in the image is a directory", name));
    }
    Inode attrs;
    attrs.mode = ext4::s_ifreg | 0755;
    attrs.uid = 0;
    attrs.gid = 0;
    attrs.atime = attrs.mtime = attrs.ctime = FileTime{timestamp, 0};
    attrs.size = init.data.size();
    const InodeRef ref = tree.add(name, std::move(attrs));  // replaces the source's entry, if any
    writer.note_entry();
    MemorySource source(init.data);
    writer.write_data(ref, 0, init.data.size(), source, name);
    return name;
}

}  // namespace hvsup::image
