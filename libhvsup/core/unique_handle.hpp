// SPDX-License-Identifier: MIT
// The one move-only owner of a raw OS handle (a file descriptor, a Win32 HANDLE) with a
// noexcept destructor (a destructor never throws). A Traits type says what the handle is:
//
//   struct Traits {
//       using value_type = ...;                       // the raw handle
//       static constexpr value_type none() noexcept;  // what an empty owner holds
//       static bool valid(value_type) noexcept;       // whether there is something to close
//       static void close(value_type) noexcept;
//   };
#pragma once

#include <utility>

namespace hvsup {

template <typename Traits>
class UniqueHandle {
public:
    using value_type = typename Traits::value_type;

    UniqueHandle() noexcept = default;
    explicit UniqueHandle(value_type handle) noexcept : handle_(handle) {}
    ~UniqueHandle() { reset(); }
    UniqueHandle(UniqueHandle&& other) noexcept : handle_(other.release()) {}
    UniqueHandle& operator=(UniqueHandle&& other) noexcept
    {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;

    value_type get() const noexcept { return handle_; }
    explicit operator bool() const noexcept { return Traits::valid(handle_); }
    // Gives up ownership without closing.
    value_type release() noexcept { return std::exchange(handle_, Traits::none()); }
    // Closes what is held (when valid) and takes `handle`.
    void reset(value_type handle = Traits::none()) noexcept
    {
        if (Traits::valid(handle_)) Traits::close(handle_);
        handle_ = handle;
    }

private:
    value_type handle_ = Traits::none();
};

}  // namespace hvsup
