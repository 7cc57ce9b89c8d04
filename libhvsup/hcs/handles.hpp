// SPDX-License-Identifier: MIT
// Move-only owners of raw HCS handles with noexcept destructors (a destructor never throws). The closer is
// the entry point from the loaded function table, so an owner works for either DLL.
#pragma once

#include "hcs/library.hpp"

#include <string>
#include <utility>

namespace hvsup::hcs {

template <typename Closer>
class UniqueHcsHandle {
public:
    UniqueHcsHandle() noexcept = default;
    UniqueHcsHandle(void* handle, Closer closer) noexcept : handle_(handle), closer_(closer) {}
    ~UniqueHcsHandle() { reset(); }
    UniqueHcsHandle(UniqueHcsHandle&& other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)), closer_(other.closer_)
    {
    }
    UniqueHcsHandle& operator=(UniqueHcsHandle&& other) noexcept
    {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
            closer_ = other.closer_;
        }
        return *this;
    }
    UniqueHcsHandle(const UniqueHcsHandle&) = delete;
    UniqueHcsHandle& operator=(const UniqueHcsHandle&) = delete;

    void* get() const noexcept { return handle_; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }
    void* release() noexcept { return std::exchange(handle_, nullptr); }
    void reset() noexcept
    {
        if (handle_ != nullptr && closer_ != nullptr) closer_(handle_);
        handle_ = nullptr;
    }

private:
    void* handle_ = nullptr;
    Closer closer_ = nullptr;
};

// A string an HCS entry point returned; freed with free_host_string.
class HostString {
public:
    HostString() noexcept = default;
    ~HostString() { free_host_string(ptr_); }
    HostString(HostString&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
    HostString& operator=(HostString&& other) noexcept
    {
        if (this != &other) {
            free_host_string(ptr_);
            ptr_ = std::exchange(other.ptr_, nullptr);
        }
        return *this;
    }
    HostString(const HostString&) = delete;
    HostString& operator=(const HostString&) = delete;

    // The out-parameter to pass to the entry point (frees any previous string first).
    char16_t** out() noexcept
    {
        free_host_string(ptr_);
        ptr_ = nullptr;
        return &ptr_;
    }
    const char16_t* get() const noexcept { return ptr_; }
    // UTF-8 text; "" when none. Invalid UTF-16 from the host is replaced by a note.
    std::string text() const;

private:
    char16_t* ptr_ = nullptr;
};

}  // namespace hvsup::hcs
