// SPDX-License-Identifier: MIT
#include "common/arguments.hpp"

namespace hvsup::tools {

std::vector<std::string> utf8_arguments(int argc, char** argv)
{
    return std::vector<std::string>(argv, argv + argc);
}

}  // namespace hvsup::tools
