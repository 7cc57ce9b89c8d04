// SPDX-License-Identifier: MIT
// Runner of the Windows-only Catch2 tests (test/windows/meson.build).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
