// SPDX-License-Identifier: MIT
#include "binding_util.hpp"

namespace hvsup::simtest {

std::vector<Variant> variants()
{
    return {{computecore_library(), "computecore.dll", true},
            {computecore_library(), "computecore.dll", false},
            {vmcompute_library(), "vmcompute.dll", true},
            {vmcompute_library(), "vmcompute.dll", false}};
}

std::shared_ptr<hcs::HcsClient> load(const Variant& v, SimHost& host)
{
    host.script(json::object{{"completion", v.pending ? "pending" : "sync"}, {"delayMs", 30}});
    return hcs::HcsClient::load(hcs::LoadOptions{v.library, std::nullopt});
}

std::string error_text(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "<no error>";
}

}  // namespace hvsup::simtest
