// SPDX-License-Identifier: MIT
#include "hcn/guid.hpp"

#include "core/guid.hpp"

#include <algorithm>

namespace hvsup::hcn {

std::optional<api::GUID> parse_guid(std::string_view text)
{
    const auto g = try_parse_guid(text);
    if (!g) return std::nullopt;
    api::GUID out{};
    out.Data1 = g->data1;
    out.Data2 = g->data2;
    out.Data3 = g->data3;
    std::copy(g->data4.begin(), g->data4.end(), out.Data4);
    return out;
}

std::string format_guid(const api::GUID& g)
{
    Guid core;
    core.data1 = g.Data1;
    core.data2 = g.Data2;
    core.data3 = g.Data3;
    std::copy(std::begin(g.Data4), std::end(g.Data4), core.data4.begin());
    return to_string(core);
}

}  // namespace hvsup::hcn
