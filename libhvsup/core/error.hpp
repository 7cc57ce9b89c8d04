// SPDX-License-Identifier: MIT
// Errors inside libhvsup. Every layer throws hvsup::Error; the C ABI turns it into an
// hvsup_status plus an hvsup_error object, so the codes here mirror include/hvsup/hvsup.h.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hvsup {

enum class ErrorCode : int32_t {
    generic = -1,
    invalid_argument = -2,
    unsupported = -3,
    not_found = -4,
    conflict = -5,
    io = -6,
    host = -7,       // HCS / HCN / Hyper-V socket failure reported by the host
    integrity = -8,  // a state file is malformed; it is left untouched
    too_large = -9,
    no_memory = -10,
    cancelled = -11,  // hvsup_context_cancel interrupted a wait
};

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}

    ErrorCode code() const noexcept { return code_; }
    // HRESULT reported by HCS/HCN, 0 when none applies.
    int32_t hresult() const noexcept { return hresult_; }
    // errno (POSIX) or GetLastError() (Windows) of the failed system call, 0 when none.
    int32_t system_error() const noexcept { return system_error_; }
    const std::string& operation() const noexcept { return operation_; }

    Error& with_hresult(int32_t hr) { hresult_ = hr; return *this; }
    Error& with_system_error(int32_t err) { system_error_ = err; return *this; }
    Error& with_operation(std::string op) { operation_ = std::move(op); return *this; }

private:
    ErrorCode code_;
    int32_t hresult_ = 0;
    int32_t system_error_ = 0;
    std::string operation_;
};

// An Error for a failed system call: "<what>: <strerror(err)>" with the errno kept.
Error system_error(int err, const std::string& what);

// `e` with "<context>: " in front of its message; code, HRESULT, system error and operation kept.
Error with_context(const Error& e, std::string_view context);

// `e` with "; <consequence>" after its message (what the failure left behind); code, HRESULT,
// system error and operation kept.
Error with_consequence(const Error& e, std::string_view consequence);

}  // namespace hvsup
