// SPDX-License-Identifier: MIT
#include "hvsock/transport.hpp"

#include "core/files.hpp"

#include <cstdlib>

namespace hvsup::hvsock {

std::filesystem::path emulation_dir(const std::filesystem::path& explicit_dir)
{
    if (!explicit_dir.empty()) return explicit_dir;
    const char* env = std::getenv(emulation_dir_variable);
    if (env != nullptr && *env != '\0') return files::from_utf8(env);
    return {};
}

std::shared_ptr<Transport> default_transport(const std::filesystem::path& explicit_dir)
{
    std::filesystem::path dir = emulation_dir(explicit_dir);
    if (!dir.empty()) return make_emulation_transport(dir, Side::host);
    return make_platform_transport();
}

}  // namespace hvsup::hvsock
