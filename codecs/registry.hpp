// The codec registry: every codec the media path can encode or decode,
// found by SDP name, by RFC 3551 static payload type, or by id.
#pragma once

#include <span>
#include <string_view>

#include "codecs/codec.hpp"

namespace sb::codecs {

// Descriptors defined by each codec's translation unit.
extern const CodecDescriptor kPcmuCodec;
extern const CodecDescriptor kPcmaCodec;
extern const CodecDescriptor kG722Codec;
extern const CodecDescriptor kOpusCodec;

std::span<const CodecDescriptor* const> all_codecs() noexcept;
const CodecDescriptor& codec(CodecId id) noexcept;
// Case-insensitive, as SDP encoding names are (RFC 4566 §6). nullptr if unknown.
const CodecDescriptor* find_codec(std::string_view sdp_name) noexcept;
// nullptr when the payload type is dynamic or not one we implement.
const CodecDescriptor* find_static_payload_type(int pt) noexcept;

}  // namespace sb::codecs
