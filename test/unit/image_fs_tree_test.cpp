// SPDX-License-Identifier: MIT
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
    t.opaque("d", 2, false);
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
    t.opaque("d", 2, false);
    CHECK(t.find("d/lower") == no_inode);
    CHECK(t.find("d/sub/file") != no_inode);
}

TEST_CASE("a whiteout after a same-layer entry hides only the lower layers' entry", "[image][tree]")
{
    FsTree t(dir());
    t.add("-x", file(0600), 1);
    InodeRef upper = t.add("-x", file(0640), 2);  // layer 2 replaces it, then whites out the lower one
    t.whiteout("-x", 2);
    CHECK(t.find("-x") == upper);
    t.add("gone", file(), 1);
    t.whiteout("gone", 2);
    CHECK(t.find("gone") == no_inode);
    t.whiteout("absent/entry", 2);  // nothing to hide: no error, nothing created
    CHECK(t.find("absent") == no_inode);
}

TEST_CASE("a whiteout of a lower directory keeps what the upper layer put inside it", "[image][tree]")
{
    FsTree t(Inode(dir(0711)));
    t.add("d", dir(0700), 1);
    t.add("d/old", file(), 1);
    t.add("d/sub/older", file(), 1);
    t.add("d/sub/new", file(), 2);  // layer 2 writes into the lower d/sub, then whites out d
    t.whiteout("d", 2);
    CHECK(t.find("d/old") == no_inode);
    CHECK(t.find("d/sub/older") == no_inode);
    CHECK(t.find("d/sub/new") != no_inode);
    // d and d/sub now exist only because layer 2 created entries in them: implicit attributes.
    CHECK((t.inode(t.find("d")).mode & 07777) == 0711);
}

TEST_CASE("an opaque marker after its siblings keeps the upper layer and drops every lower child", "[image][tree]")
{
    FsTree t(dir());
    t.add("d/-a/old", file(), 1);
    t.add("d/-b", dir(0700), 1);
    t.add("d/-b/old", file(), 1);
    t.add("d/#lower", file(), 1);
    t.add("d/-a/new", file(), 2);  // into the lower d/-a: d/-a must survive with only "new"
    t.add("d/-b", dir(0750), 2);   // re-declared: its lower children must still go
    t.opaque("d", 2, false);
    CHECK(t.find("d/-a/new") != no_inode);
    CHECK(t.find("d/-a/old") == no_inode);
    CHECK(t.find("d/-b") != no_inode);
    CHECK((t.inode(t.find("d/-b")).mode & 07777) == 0750);
    CHECK(t.find("d/-b/old") == no_inode);
    CHECK(t.find("d/#lower") == no_inode);
}

TEST_CASE("overlay whiteouts: a device where the lower entry was, opaque where this layer keeps a directory",
          "[image][tree]")
{
    FsTree t(dir());
    Inode device;
    device.mode = ext4::s_ifchr;
    t.add("f", file(), 1);
    t.whiteout("f", 2, &device);
    CHECK((t.inode(t.find("f")).mode & ext4::s_ifmt) == ext4::s_ifchr);
    t.add("d/old", file(), 1);
    t.add("d/new", file(), 2);
    t.whiteout("d", 2, &device);
    CHECK(t.find("d/old") == no_inode);
    CHECK(t.find("d/new") != no_inode);
    const auto& xs = t.inode(t.find("d")).xattrs();
    REQUIRE(xs.size() == 1);
    CHECK(xs[0].name == "trusted.overlay.opaque");
}

TEST_CASE("overlay whiteouts: entries after the whiteout in the same layer replace its device", "[image][tree]")
{
    auto opaque = [](const Inode& i) {
        return i.xattrs().size() == 1 && i.xattrs()[0].name == "trusted.overlay.opaque";
    };
    FsTree t(dir());
    Inode device;
    device.mode = ext4::s_ifchr;
    t.add("y/old", file(), 1);
    t.add("k/old", file(), 1);
    t.add("f", file(), 1);
    t.add("d/old", file(), 1);
    // The whiteout first, then the same layer's directory: opaque, as in the other order.
    t.whiteout("y", 2, &device);
    t.add("y", dir(0700), 2);
    CHECK(opaque(t.inode(t.find("y"))));
    CHECK(t.find("y/old") == no_inode);
    // A whiteout device as the parent of a later entry: an opaque directory, not an error.
    t.whiteout("k", 2, &device);
    t.add("k/sub/new", file(), 2);
    CHECK(opaque(t.inode(t.find("k"))));
    CHECK(t.find("k/old") == no_inode);
    // A file over the device is just the file; a hard link to a device is to a missing target.
    t.whiteout("f", 2, &device);
    CHECK_THROWS_WITH(t.add_hard_link("g", "f", 2), Catch::Contains("the target does not exist"));
    t.add("f", file(0600), 2);
    CHECK((t.inode(t.find("f")).mode & ext4::s_ifmt) == ext4::s_ifreg);
    CHECK(t.inode(t.find("f")).xattrs().empty());
    // An opaque directory re-declared after its marker stays opaque.
    t.opaque("d", 2, true);
    t.add("d", dir(0700), 2);
    CHECK(opaque(t.inode(t.find("d"))));
    CHECK((t.inode(t.find("d")).mode & 07777) == 0700);
}
