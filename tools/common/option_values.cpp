// SPDX-License-Identifier: MIT
// split_option_values (common/arguments.hpp): `--name=value` as `--name` `value`.
#include "common/arguments.hpp"

#include <algorithm>

namespace hvsup::tools {

void split_option_values(std::vector<std::string>& args, std::initializer_list<std::string_view> takes_value)
{
    std::vector<std::string> out;
    out.reserve(args.size());
    bool options_ended = false;
    for (std::string& arg : args) {
        const size_t eq = arg.find('=');
        const bool split = !options_ended && arg.rfind("--", 0) == 0 && eq != std::string::npos &&
                           std::find(takes_value.begin(), takes_value.end(), std::string_view(arg).substr(0, eq)) !=
                               takes_value.end();
        if (arg == "--") options_ended = true;
        if (!split) {
            out.push_back(std::move(arg));
            continue;
        }
        std::string value = arg.substr(eq + 1);
        arg.resize(eq);
        out.push_back(std::move(arg));
        out.push_back(std::move(value));
    }
    args = std::move(out);
}

}  // namespace hvsup::tools
