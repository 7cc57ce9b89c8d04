// SPDX-License-Identifier: MIT
// The tar reader (ustar, pax, GNU long names) feeding the ext4 writer, with the three
// whiteout modes (the input's length picks one), then the metadata layout. The image goes
// nowhere. Only hvsup::Error may escape.
#include "core/error.hpp"
#include "image/ext4_writer.hpp"
#include "image/sources.hpp"
#include "fuzz_image.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace hvsup;

namespace {

class MemoryStream final : public image::ByteStream {
public:
    MemoryStream(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    size_t read(uint8_t* buf, size_t max) override
    {
        const size_t n = std::min(max, size_ - pos_);
        if (n > 0) std::memcpy(buf, data_ + pos_, n);
        pos_ += n;
        return n;
    }
    uint64_t position() const override { return pos_; }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const image::Whiteouts modes[] = {image::Whiteouts::keep_names, image::Whiteouts::apply,
                                             image::Whiteouts::overlay};
    fuzz::NullOutput out;
    try {
        image::FsOptions options;
        options.journal = false;  // the journal is the same for every input: no coverage, much time
        options.free_bytes = 1u << 20;
        image::Ext4Writer writer(options, out);
        MemoryStream in(data, size);
        image::add_tar(writer, in, "fuzz.tar", 1, modes[size % 3]);
        (void)writer.finish();
    } catch (const Error&) {
    }
    return 0;
}
