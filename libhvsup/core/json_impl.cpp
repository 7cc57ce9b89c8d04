// SPDX-License-Identifier: MIT
// The one translation unit that compiles Boost.JSON (header-only use), so no Boost
// shared library is needed at run time and the Windows cross build uses the same code.
#include <boost/json/src.hpp>
