// SPDX-License-Identifier: MIT
#include "hvsock/serial_capture.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

namespace hvsup::hvsock {

std::string serial_pipe_basename(std::string_view pipe_name)
{
    constexpr std::string_view prefix = "\\\\.\\pipe\\";
    std::string_view name = pipe_name;
    if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
    if (!files::is_safe_basename(name)) {
        throw Error(ErrorCode::invalid_argument, fmt::format("invalid serial pipe name \"{}\"", pipe_name));
    }
    return std::string(name);
}

std::string serial_pipe_sddl(std::string_view user_sid)
{
    return "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;" + std::string(user_sid) + ")";
}

namespace detail {

SerialLog::SerialLog(const std::filesystem::path& file) : path_(file), file_(nullptr)
{
    files::touch_private_file(file);
    std::FILE* f = std::fopen(files::to_utf8(file).c_str(), "ab");
    if (f == nullptr) throw system_error(errno, "open " + files::to_utf8(file));
    file_ = f;
}

SerialLog::~SerialLog()
{
    if (file_ != nullptr) std::fclose(static_cast<std::FILE*>(file_));
}

void SerialLog::append(const char* data, size_t size)
{
    auto* f = static_cast<std::FILE*>(file_);
    if (std::fwrite(data, 1, size, f) != size || std::fflush(f) != 0) {
        throw system_error(errno, "write " + files::to_utf8(path_));
    }
}

}  // namespace detail
}  // namespace hvsup::hvsock
