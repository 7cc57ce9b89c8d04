// SPDX-License-Identifier: MIT
#include "core/error.hpp"

#include <cerrno>
#include <system_error>

namespace hvsup {

Error system_error(int err, const std::string& what)
{
    ErrorCode code = ErrorCode::io;
    if (err == ENOENT) code = ErrorCode::not_found;
    else if (err == ENOMEM) code = ErrorCode::no_memory;
    std::string text = std::generic_category().message(err);
    // Go's syscall errors are lower-case ("no such file or directory"); keep the same look.
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    Error e(code, what + ": " + text);
    e.with_system_error(err);
    return e;
}

Error with_context(const Error& e, std::string_view context)
{
    Error out(e.code(), std::string(context) + ": " + e.what());
    out.with_hresult(e.hresult()).with_system_error(e.system_error()).with_operation(e.operation());
    return out;
}

Error with_consequence(const Error& e, std::string_view consequence)
{
    Error out(e.code(), std::string(e.what()) + "; " + std::string(consequence));
    out.with_hresult(e.hresult()).with_system_error(e.system_error()).with_operation(e.operation());
    return out;
}

}  // namespace hvsup
