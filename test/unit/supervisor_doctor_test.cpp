// SPDX-License-Identifier: MIT
// Where the doctor looks for a guest init when none is given: the reference's per-user file,
// then the one `meson install` puts in <libexecdir>/hvsup.
#include "supervisor/doctor.hpp"
#include "test_util.hpp"

#include "hvsup_build_config.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

using namespace hvsup::supervisor;
using hvsup::test::TempDir;

namespace {

// HOME for the scope of one test, restored afterwards.
class HomeAs {
public:
    explicit HomeAs(const std::string& home)
    {
        if (const char* old = std::getenv("HOME")) old_ = old;
        ::setenv("HOME", home.c_str(), 1);
    }
    ~HomeAs()
    {
        if (old_)
            ::setenv("HOME", old_->c_str(), 1);
        else
            ::unsetenv("HOME");
    }

private:
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("the doctor's default guest init: the per-user file, then the installed hvsup-guestinit",
          "[supervisor][doctor]")
{
    TempDir home;
    HomeAs as(home.path().string());
    const auto paths = default_guest_init_paths();
    REQUIRE(paths.size() == 2);
    CHECK(paths[0] == (home.path() / ".microagent" / "libexec" /
                       (std::string("microagent-guestinit-") + hvsup::protocol::host_architecture()))
                          .string());
    CHECK(paths[1] == HVSUP_INSTALLED_GUEST_INIT);
    CHECK(std::string(HVSUP_INSTALLED_GUEST_INIT).ends_with("/hvsup/hvsup-guestinit"));
}

TEST_CASE("the first guest init candidate that is a file wins; none: the first is named", "[supervisor][doctor]")
{
    TempDir dir;
    const std::string missing = (dir.path() / "missing").string();
    const std::string other_missing = (dir.path() / "also-missing").string();
    const std::string present = (dir.path() / "hvsup-guestinit").string();
    const std::string directory = (dir.path() / "a-directory").string();
    std::ofstream(present) << "init";
    std::filesystem::create_directory(directory);

    CHECK(first_present_guest_init({missing, present}) == present);
    CHECK(first_present_guest_init({present, missing}) == present);
    CHECK(first_present_guest_init({missing, other_missing}) == missing);
    CHECK(first_present_guest_init({directory, missing}) == directory);  // nothing else is a file
    CHECK(first_present_guest_init({directory, present}) == present);
}
