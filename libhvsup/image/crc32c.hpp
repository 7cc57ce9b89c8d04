// SPDX-License-Identifier: MIT
// CRC-32C (Castagnoli) as ext4 uses it for metadata_csum: the raw register, no final inversion;
// callers start from ~0 or from a previous result.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hvsup::image {

uint32_t crc32c(uint32_t crc, const void* data, size_t size);

}  // namespace hvsup::image
