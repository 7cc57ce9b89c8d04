// SPDX-License-Identifier: MIT
// A fresh simulated host per test: HVSUP_SIM_DIR points at a new temporary directory.
#pragma once

#include "../sim_state.hpp"
#include "../../../unit/test_util.hpp"

#include <cstdlib>
#include <string>

namespace hvsup::sim::hcn::testing {

inline const char* provider_path()
{
    return HVSUP_SIM_HCN_PATH;
}

class SimHost {
public:
    SimHost() { ::setenv("HVSUP_SIM_DIR", dir_.path().c_str(), 1); }
    ~SimHost() { ::unsetenv("HVSUP_SIM_DIR"); }
    const std::filesystem::path& dir() const { return dir_.path(); }

    std::vector<json::object> endpoints() const { return list_endpoints(dir()); }
    std::vector<json::object> networks() const { return list_networks(dir()); }
    std::vector<std::string> calls() const { return testing::calls(dir()); }

private:
    hvsup::test::TempDir dir_;
};

inline std::string str(const json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace hvsup::sim::hcn::testing
