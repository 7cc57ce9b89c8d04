// SPDX-License-Identifier: MIT
// hvsup::trim, the one trim every layer uses.
#include "core/text.hpp"

#include <catch2/catch.hpp>

#include <string>

using hvsup::trim;

TEST_CASE("trim drops the default blanks at both ends only", "[core]")
{
    CHECK(trim("") == "");
    CHECK(trim(" ") == "");
    CHECK(trim(" \t\r\n") == "");
    CHECK(trim("a") == "a");
    CHECK(trim("  a") == "a");
    CHECK(trim("a  ") == "a");
    CHECK(trim("\t a b \r\n") == "a b");
    CHECK(trim(" a \t b ") == "a \t b");
    // Only space, tab, CR and LF by default: other control characters are kept.
    CHECK(trim("\va\f") == "\va\f");
}

TEST_CASE("trim takes its own set of blanks", "[core]")
{
    CHECK(trim(" \ta\t ", " \t") == "a");
    CHECK(trim("\na\n", " \t") == "\na\n");
    CHECK(trim("\v\fa\v", " \t\r\n\v\f") == "a");
    CHECK(trim("xxaxx", "x") == "a");
    CHECK(trim("abc", "") == "abc");
}

TEST_CASE("trim returns a view into its argument", "[core]")
{
    const std::string text = "  value  ";
    const std::string_view t = trim(text);
    CHECK(t.data() == text.data() + 2);
    CHECK(t.size() == 5);
    static_assert(trim("  x ") == "x");
}
