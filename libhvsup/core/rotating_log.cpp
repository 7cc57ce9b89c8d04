// SPDX-License-Identifier: MIT
#include "core/rotating_log.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace hvsup::files {

std::filesystem::path RotatingLog::rotated_path(const std::filesystem::path& file)
{
    std::filesystem::path rotated = file;
    rotated += ".1";
    return rotated;
}

RotatingLog::RotatingLog(const std::filesystem::path& file, uint64_t max_bytes, Stderr stderr_mode)
    : path_(file), max_bytes_(max_bytes), stderr_mode_(stderr_mode)
{
    if (max_bytes_ == 0) throw Error(ErrorCode::invalid_argument, "log " + to_utf8(file) + ": the byte cap must be > 0");
    open();
}

RotatingLog::~RotatingLog()
{
    if (file_ != nullptr) std::fclose(file_);
}

void RotatingLog::open()
{
    file_ = open_append_no_follow(path_);
    measure();  // what a previous start wrote counts against the cap
    if (stderr_mode_ == Stderr::follow_log) redirect_stderr(file_, path_);
}

void RotatingLog::measure()
{
    if (std::fseek(file_, 0, SEEK_END) != 0) throw system_error(errno, "seek " + to_utf8(path_));
    const long at = std::ftell(file_);
    size_ = at > 0 ? static_cast<uint64_t>(at) : 0;
}

void RotatingLog::rotate()
{
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
    const std::filesystem::path old = rotated_path(path_);
    // Whatever is planted at <name>.1 (a link, a directory) is removed as itself, never followed;
    // rename then replaces a regular file there.
    remove_if_not_regular(old);
    std::error_code ec;
    std::filesystem::rename(path_, old, ec);
    if (ec) throw Error(ErrorCode::io, fmt::format("rotate {}: {}", to_utf8(path_), ec.message()));
    open();
}

void RotatingLog::append(std::string_view data)
{
    // Only the newest bytes of an oversized chunk can be kept: they are what a reader wants.
    if (data.size() > max_bytes_) data.remove_prefix(data.size() - max_bytes_);
    // A rotation that failed (its error was reported) left no file: try to open it again.
    if (file_ == nullptr) open();
    // Bytes written to stderr since the last append are in the file too.
    if (stderr_mode_ == Stderr::follow_log) measure();
    while (!data.empty()) {
        if (size_ >= max_bytes_) rotate();
        const size_t room = static_cast<size_t>(max_bytes_ - size_);
        const std::string_view part = data.substr(0, room);
        if (std::fwrite(part.data(), 1, part.size(), file_) != part.size() || std::fflush(file_) != 0) {
            throw system_error(errno, "write " + to_utf8(path_));
        }
        size_ += part.size();
        data.remove_prefix(part.size());
    }
}

uint64_t byte_limit_from_env(const char* name, uint64_t fallback)
{
    const char* raw = std::getenv(name);
    if (raw == nullptr || *raw == '\0') return fallback;
    const std::string text = raw;
    const auto bad = [&] {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("{}=\"{}\": want a byte count > 0 (optionally with K, M or G), at most 1 TiB", name, text));
    };
    uint64_t value = 0;
    size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (value > (uint64_t{1} << 40)) throw bad();
        value = value * 10 + static_cast<uint64_t>(text[i] - '0');
    }
    if (i == 0) throw bad();
    int shift = 0;
    if (i + 1 == text.size()) {
        switch (text[i]) {
        case 'K': case 'k': shift = 10; break;
        case 'M': case 'm': shift = 20; break;
        case 'G': case 'g': shift = 30; break;
        default: throw bad();
        }
    } else if (i != text.size()) {
        throw bad();
    }
    if (value == 0 || value > ((uint64_t{1} << 40) >> shift)) throw bad();
    return value << shift;
}

}  // namespace hvsup::files
