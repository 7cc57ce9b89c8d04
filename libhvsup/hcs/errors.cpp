// SPDX-License-Identifier: MIT
#include "hcs/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace hvsup::hcs {
namespace {

struct Known {
    uint32_t code;
    const char* text;
};

// Messages as Windows words them (FormatMessage), without the final period.
constexpr Known known_codes[] = {
    {0x2, "The system cannot find the file specified"},
    {0x3, "The system cannot find the path specified"},
    {0x5, "Access is denied"},
    {0x6, "The handle is invalid"},
    {0xD, "The data is invalid"},
    {0x32, "The request is not supported"},
    {0x57, "The parameter is incorrect"},
    {0x7F, "The specified procedure could not be found"},
    {0x490, "Element not found"},
    {0x570, "The file or directory is corrupted and unreadable"},
    {0x5B4, "This operation returned because the timeout period expired"},
    {0x80004001, "Not implemented"},
    {0x80004003, "Invalid pointer"},
    {0x80004005, "Unspecified error"},
    {0x80370100, "The virtual machine or container exited unexpectedly while starting"},
    {0x80370102, "The virtual machine could not be started because a required feature is not installed"},
    {0x80370103, "The operation is pending"},  // v1 ERROR_VMCOMPUTE_OPERATION_PENDING shares the low word
    {0x80370105, "The requested virtual machine or container operation is not valid in the current state"},
    {0x80370106, "The virtual machine or container exited unexpectedly"},
    {0x80370107, "The virtual machine or container was forcefully exited"},
    {0x80370108, "A connection could not be established with the container or virtual machine"},
    {0x80370109, "The operation timed out because a response was not received from the virtual machine or container"},
    {0x8037010A, "The connection with the virtual machine or container was closed"},
    {0x8037010B, "A message was received that does not match the expected format"},
    {0x8037010C,
     "The virtual machine or container does not support an available version of the communication protocol with the "
     "host"},
    {0x8037010D, "The JSON document is invalid"},
    {0x8037010E, "A virtual machine or container with the specified identifier does not exist"},
    {0x8037010F, "A virtual machine or container with the specified identifier already exists"},
    {0x80370110, "The virtual machine or container with the specified identifier is not running"},
    {0x80370111, "A communication protocol error has occurred"},
    {0x80370114, "The compute system service is not available"},
    {0x80370115, "The operation has not started"},
    {0x80370116, "The operation has already started"},
    {0x80370117, "The operation is pending"},
    {0x80370118, "The operation timed out"},
    {0x80370119, "An event callback has already been registered on this handle"},
    {0x8037011B, "The requested access to the compute system was denied"},
    {0x8037011C, "The guest reported a critical error"},
    {0x8037011E, "The connection to the compute service was lost"},
    {0x8037011F, "The process has already stopped"},
};

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

bool same_hcs_code(int32_t a, int32_t b) noexcept
{
    const auto ua = static_cast<uint32_t>(a);
    const auto ub = static_cast<uint32_t>(b);
    if (ua == ub) return true;
    // 0xC037xxxx (ERROR_VMCOMPUTE_*) and 0x8037xxxx (HCS_E_*) pairs share the low word.
    const bool hcs_a = (ua & 0xBFFF0000u) == 0x80370000u;
    const bool hcs_b = (ub & 0xBFFF0000u) == 0x80370000u;
    return hcs_a && hcs_b && (ua & 0xFFFFu) == (ub & 0xFFFFu);
}

int32_t normalize(int32_t hresult) noexcept
{
    const auto u = static_cast<uint32_t>(hresult);
    if (hresult < 0 && (u & 0x1fff0000u) == 0x00070000u) return static_cast<int32_t>(u & 0xffffu);
    return hresult;
}

std::string describe(int32_t hresult)
{
    const int32_t n = normalize(hresult);
    auto code = static_cast<uint32_t>(n);
    uint32_t lookup = code;
    if ((code & 0xFFFF0000u) == 0xC0370000u) lookup = (code & 0x0000FFFFu) | 0x80370000u;
    for (const auto& k : known_codes) {
        if (k.code == lookup) {
            if (n >= 0) return fmt::format("{} ({})", k.text, code);
            return fmt::format("{} (0x{:08X})", k.text, code);
        }
    }
    if (n >= 0) return fmt::format("Win32 error {}", code);
    return fmt::format("HRESULT 0x{:08X}", code);
}

Error make_error(std::string_view operation, int32_t hresult, std::string_view result_document)
{
    std::string message = fmt::format("windows-hyperv HCS {}: {}", operation, describe(hresult));
    if (!result_document.empty()) message += fmt::format(": {}", result_document);
    ErrorCode code = ErrorCode::host;
    if (same_hcs_code(hresult, hr::system_not_found))
        code = ErrorCode::not_found;
    else if (same_hcs_code(hresult, hr::system_already_exists) || same_hcs_code(hresult, hr::invalid_state))
        code = ErrorCode::conflict;
    Error e(code, message);
    e.with_hresult(hresult).with_operation(std::string(operation));
    return e;
}

Error make_error(std::string_view operation, std::string_view message, int32_t hresult)
{
    Error e(ErrorCode::host, fmt::format("windows-hyperv HCS {}: {}", operation, message));
    e.with_hresult(hresult).with_operation(std::string(operation));
    return e;
}

bool is_missing_compute_system_text(std::string_view text)
{
    const std::string t = lower(text);
    if (t.find("does not exist") == std::string::npos) return false;
    return t.find("compute system") != std::string::npos || t.find("virtual machine or container") != std::string::npos;
}

bool is_missing_compute_system(const Error& error)
{
    if (error.hresult() != 0 && same_hcs_code(error.hresult(), hr::system_not_found)) return true;
    return is_missing_compute_system_text(error.what());
}

}  // namespace hvsup::hcs
