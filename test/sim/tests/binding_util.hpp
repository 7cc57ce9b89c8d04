// SPDX-License-Identifier: MIT
// Shared by the binding tests: the API × completion variants and small helpers.
#pragma once

#include "sim_fixture.hpp"

#include "core/error.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hvsup::simtest {

struct Variant {
    std::string library;
    const char* name;
    bool pending;
};

// computecore and vmcompute, each with pending and synchronous completions.
std::vector<Variant> variants();

// Loads the variant's provider after scripting its completion style (30 ms delay).
std::shared_ptr<hcs::HcsClient> load(const Variant& v, SimHost& host);

// The message of the Error `fn` throws, or "<no error>".
std::string error_text(const std::function<void()>& fn);

}  // namespace hvsup::simtest
