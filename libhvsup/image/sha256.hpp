// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4), for checking OCI blob digests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace hvsup::image {

class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    std::array<uint8_t, 32> finish();
    // Lowercase hex of finish().
    std::string hex();

private:
    void block(const uint8_t* p);
    std::array<uint32_t, 8> h_;
    std::array<uint8_t, 64> buf_{};
    size_t used_ = 0;
    uint64_t total_ = 0;
};

}  // namespace hvsup::image
