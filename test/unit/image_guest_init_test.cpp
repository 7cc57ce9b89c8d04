// SPDX-License-Identifier: MIT
// The guest init check (ELF executable header) and where install_guest_init puts the file in
// the tree: /sbin, the usr-merge link followed, other links and directories refused.
#include "core/error.hpp"
#include "image/ext4_format.hpp"
#include "image/guest_init.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace hvsup::image;

namespace {

// A minimal ELF header: magic, class, byte order, version, e_type.
std::vector<uint8_t> elf(uint8_t elf_class, uint8_t data, uint16_t type, size_t size = 0)
{
    std::vector<uint8_t> h(size != 0 ? size : (elf_class == 1 ? 52 : 64), 0);
    const uint8_t ident[] = {0x7F, 'E', 'L', 'F', elf_class, data, 1};
    for (size_t i = 0; i < sizeof ident && i < h.size(); ++i) h[i] = ident[i];
    if (h.size() >= 18) {
        h[16] = static_cast<uint8_t>(data == 1 ? type & 0xFF : type >> 8);
        h[17] = static_cast<uint8_t>(data == 1 ? type >> 8 : type & 0xFF);
    }
    return h;
}

class NullOutput final : public OutputFile {
public:
    void write_at(const void*, size_t, uint64_t) override {}
    void set_size(uint64_t) override {}
    void commit() override {}
};

Inode node(uint32_t type, std::string target = {})
{
    Inode i;
    i.mode = type | (type == ext4::s_iflnk ? 0777 : 0755);
    if (!target.empty()) i.set_target(target);
    return i;
}

struct Image {
    NullOutput out;
    FsOptions options = [] {
        FsOptions o;
        o.journal = false;
        return o;
    }();
    Ext4Writer writer{options, out};
    GuestInitFile init{"init", std::string("\x7F" "ELF", 4) + std::string(60, '\0')};

    std::string install() { return install_guest_init(writer, init, 1700000000); }
    const Inode* at(std::string_view path)
    {
        const InodeRef r = writer.tree().find(path);
        return r == no_inode ? nullptr : &writer.tree().inode(r);
    }
};

}  // namespace

TEST_CASE("ELF executables and position-independent executables pass the check", "[image][guest-init]")
{
    CHECK(elf_executable_problem(elf(2, 1, 2)).empty());  // 64-bit little-endian ET_EXEC
    CHECK(elf_executable_problem(elf(2, 1, 3)).empty());  // ET_DYN (PIE)
    CHECK(elf_executable_problem(elf(1, 1, 2)).empty());  // 32-bit
    CHECK(elf_executable_problem(elf(2, 2, 2)).empty());  // big-endian: e_type read in that order
}

TEST_CASE("anything but an ELF executable header is refused with the reason", "[image][guest-init]")
{
    const std::vector<uint8_t> script = {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n'};
    CHECK_THAT(elf_executable_problem(script), Catch::Contains("not an ELF file"));
    CHECK_THAT(elf_executable_problem({}), Catch::Contains("not an ELF file"));
    CHECK_THAT(elf_executable_problem(elf(2, 1, 2, 10)), Catch::Contains("truncated ELF file (10 bytes)"));
    CHECK_THAT(elf_executable_problem(elf(2, 1, 2, 40)), Catch::Contains("the header needs 64"));
    CHECK_THAT(elf_executable_problem(elf(3, 1, 2)), Catch::Contains("unknown class 3"));
    CHECK_THAT(elf_executable_problem(elf(2, 0, 2)), Catch::Contains("unknown byte order 0"));
    CHECK_THAT(elf_executable_problem(elf(2, 1, 1)), Catch::Contains("relocatable object (ET_REL)"));
    CHECK_THAT(elf_executable_problem(elf(2, 1, 4)), Catch::Contains("core dump (ET_CORE)"));
    CHECK_THAT(elf_executable_problem(elf(2, 1, 0)), Catch::Contains("ET_NONE"));
    // A big-endian ET_EXEC read as little-endian would be 0x200: the byte order matters.
    CHECK_THAT(elf_executable_problem(elf(2, 2, 0x200)), Catch::Contains("type 0x200"));
    auto bad_version = elf(2, 1, 2);
    bad_version[6] = 2;
    CHECK_THAT(elf_executable_problem(bad_version), Catch::Contains("unknown version 2"));
}

TEST_CASE("the guest init lands in /sbin as root's 0755 file, replacing the source's", "[image][guest-init]")
{
    Image img;
    CHECK(img.install() == "sbin/microagent-init");  // no /sbin: created
    const Inode* f = img.at("sbin/microagent-init");
    REQUIRE(f != nullptr);
    CHECK(f->mode == (ext4::s_ifreg | 0755));
    CHECK(f->uid == 0);
    CHECK(f->gid == 0);
    CHECK(f->size == 64);
    CHECK(f->mtime.sec == 1700000000);

    Image replaced;
    Inode old = node(ext4::s_ifreg);
    old.mode = ext4::s_ifreg | 04700;
    old.uid = 1000;
    replaced.writer.tree().add("sbin/microagent-init", old);
    replaced.install();
    CHECK(replaced.at("sbin/microagent-init")->mode == (ext4::s_ifreg | 0755));
    CHECK(replaced.at("sbin/microagent-init")->uid == 0);
}

TEST_CASE("a usr-merge /sbin link is followed inside the image", "[image][guest-init]")
{
    for (const char* target : {"usr/sbin", "/usr/sbin", "./usr//sbin/"}) {
        Image img;
        img.writer.tree().add("usr/sbin", node(ext4::s_ifdir));
        img.writer.tree().add("sbin", node(ext4::s_iflnk, target));
        CHECK(img.install() == "usr/sbin/microagent-init");
        CHECK(img.at("usr/sbin/microagent-init") != nullptr);
        CHECK(img.at("sbin")->target() == target);  // the link itself stays
    }
}

TEST_CASE("a usr-merge link's missing target directories are created", "[image][guest-init]")
{
    Image img;
    img.writer.tree().add("sbin", node(ext4::s_iflnk, "usr/local/sbin"));
    CHECK(img.install() == "usr/local/sbin/microagent-init");
    REQUIRE(img.at("usr/local/sbin") != nullptr);
    CHECK((img.at("usr/local/sbin")->mode & ext4::s_ifmt) == ext4::s_ifdir);
}

TEST_CASE("other links, '..' and non-directories on the way are refused naming the image path", "[image][guest-init]")
{
    using Catch::Contains;
    {
        Image img;
        img.writer.tree().add("usr", node(ext4::s_iflnk, "/host"));
        img.writer.tree().add("sbin", node(ext4::s_iflnk, "usr/sbin"));
        CHECK_THROWS_WITH(img.install(), Contains("/usr in the image is a symlink too (to \"/host\")"));
    }
    {
        Image img;
        img.writer.tree().add("sbin", node(ext4::s_iflnk, "../../etc"));
        CHECK_THROWS_WITH(img.install(), Contains("\"..\" is not followed"));
    }
    {
        Image img;
        img.writer.tree().add("sbin", node(ext4::s_iflnk, "/"));
        CHECK_THROWS_WITH(img.install(), Contains("the root directory"));
    }
    {
        Image img;
        img.writer.tree().add("sbin", node(ext4::s_iflnk, "sbin"));  // a loop
        CHECK_THROWS_WITH(img.install(), Contains("/sbin in the image is a symlink too"));
    }
    {
        Image img;
        img.writer.tree().add("usr/sbin", node(ext4::s_ifreg));
        img.writer.tree().add("sbin", node(ext4::s_iflnk, "usr/sbin"));
        CHECK_THROWS_WITH(img.install(), Contains("/usr/sbin in the image is a regular file, not a directory"));
    }
    {
        Image img;
        img.writer.tree().add("sbin", node(ext4::s_ifchr));
        CHECK_THROWS_WITH(img.install(), Contains("/sbin in the image is a character device, not a directory"));
    }
    {
        Image img;
        img.writer.tree().add("sbin/microagent-init", node(ext4::s_iflnk, "busybox"));
        CHECK_THROWS_WITH(img.install(), Contains("/sbin/microagent-init in the image is a symlink (to \"busybox\")"));
    }
    {
        Image img;
        img.writer.tree().add("sbin/microagent-init", node(ext4::s_ifdir));
        CHECK_THROWS_WITH(img.install(), Contains("/sbin/microagent-init in the image is a directory"));
    }
}
