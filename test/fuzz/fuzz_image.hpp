// SPDX-License-Identifier: MIT
// Shared by the image fuzz targets: an output that accepts every write and keeps nothing, so
// the writer runs its whole pipeline without disk I/O.
#pragma once

#include "image/output_file.hpp"

#include <cstddef>
#include <cstdint>

namespace hvsup::fuzz {

class NullOutput final : public image::OutputFile {
public:
    void write_at(const void*, size_t, uint64_t) override {}
    void set_size(uint64_t) override {}
    void commit() override {}
};

}  // namespace hvsup::fuzz
