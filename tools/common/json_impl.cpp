// SPDX-License-Identifier: MIT
// Tools that read JSON (hvsup-cli reads the response's "ok") compile Boost.JSON header-only
// here: the shared library hides its own copy behind the C ABI.
#include <boost/json/src.hpp>
