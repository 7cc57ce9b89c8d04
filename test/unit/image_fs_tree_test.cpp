// Path confinement and replacement rules of the image tree.
#include "core/error.hpp"
#include "image/ext4_format.hpp"
#include "image/fs_tree.hpp"

#include <catch2/catch.hpp>

using namespace hvsup::image;

namespace {

Inode file(uint32_t perm = 0644)
{
    Inode i;
    i.mode = ext4::s_ifreg | perm;
    return i;
}
Inode dir(uint32_t perm = 0755)
{
    Inode i;
    i.mode = ext4::s_ifdir | perm;
    return i;
}
Inode symlink(std::string target)
{
    Inode i;
    i.mode = ext4::s_iflnk | 0777;
    i.set_target(std::move(target));
    return i;
}

}  // namespace

TEST_CASE("hostile names are refused", "[image][tree]")
{
    FsTree t(dir());
    CHECK_THROWS_WITH(t.add("../../etc/passwd", file()), Catch::Contains("\"..\" is not allowed"));
    CHECK_THROWS_WITH(t.add("a/../../x", file()), Catch::Contains("\"..\" is not allowed"));
    CHECK_THROWS_WITH(t.add("/etc/passwd", file()), Catch::Contains("absolute names are not allowed"));
    CHECK_THROWS_WITH(t.add(std::string(256, 'n'), file()), Catch::Contains("longer than 255"));
    CHECK_NOTHROW(t.add(std::string(255, 'n'), file()));
}

TEST_CASE("nothing is written through a symlink", "[image][tree]")
{
    FsTree t(dir());
    t.add("a", symlink("/etc"));
    CHECK_THROWS_WITH(t.add("a/passwd", file()), Catch::Contains("\"a\" is a symlink"));
    t.add("f", file());
    CHECK_THROWS_WITH(t.add("f/x", file()), Catch::Contains("not a directory"));
}

TEST_CASE("later entries replace earlier ones; directories keep their children", "[image][tree]")
{
    FsTree t(dir());
    t.add("./d/x", file());
    InodeRef first = t.find("d");
    t.add("d/", dir(0700));
    CHECK(t.find("d") == first);
    CHECK((t.inode(first).mode & 07777) == 0700);
    CHECK(t.find("d/x") != no_inode);
    t.add("d", file());  // a file over a directory drops the subtree
    CHECK(t.find("d/x") == no_inode);
    CHECK((t.inode(t.find("d")).mode & ext4::s_ifmt) == ext4::s_ifreg);
}

TEST_CASE("hard links share an inode and need an existing non-directory target", "[image][tree]")
{
    FsTree t(dir());
    InodeRef f = t.add("f", file());
    t.add_hard_link("g", "f");
    CHECK(t.find("g") == f);
    CHECK_THROWS_WITH(t.add_hard_link("h", "missing"), Catch::Contains("the target does not exist"));
    t.add("d", dir());
    CHECK_THROWS_WITH(t.add_hard_link("h", "d"), Catch::Contains("the target is a directory"));
}

TEST_CASE("whiteouts: remove and opaque directories", "[image][tree]")
{
    FsTree t(dir());
    t.add("d/lower", file(), 1);
    t.add("d/same", file(), 2);
    t.make_opaque("d", 2);
    CHECK(t.find("d/lower") == no_inode);
    CHECK(t.find("d/same") != no_inode);
    t.remove("d/same");
    CHECK(t.find("d/same") == no_inode);
}

TEST_CASE("backslashes are separators only on request", "[image][tree]")
{
    FsTree t(dir());
    t.add("a\\b", file());
    CHECK(t.find("a\\b") != no_inode);
    t.set_path_options({true});
    t.add("c\\d", file());
    CHECK(t.find("c/d") != no_inode);
}

TEST_CASE("an opaque marker keeps what its own layer created, even below implicit directories", "[image][tree]")
{
    FsTree t(dir());
    t.add("d/lower", file(), 1);
    t.add("d/sub/file", file(), 2);  // d/sub is created implicitly by layer 2
    t.make_opaque("d", 2);
    CHECK(t.find("d/lower") == no_inode);
    CHECK(t.find("d/sub/file") != no_inode);
}
