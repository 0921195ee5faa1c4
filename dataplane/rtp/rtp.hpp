// RTP packet headers (RFC 3550 §5.1): strict, bounds-checked parsing of what
// arrives from the network, in-place rewriting of what the relay changes,
// and the RTP/RTCP demultiplexing rule for rtcp-mux (RFC 5761 §4).
//
// Nothing here trusts a length or count field: every field is checked
// against the datagram's real length before it is read. Parsing is a pure
// function of the bytes (no allocation), so it runs on the packet path and
// under the fuzzer alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/compiler.hpp"

namespace sb::rtp {

inline constexpr std::size_t kRtpFixedHeader = 12;

enum class RtpError : std::uint8_t {
  kNone = 0,
  kTooShort,          // fewer than 12 bytes
  kBadVersion,        // version is not 2
  kCsrcOverrun,       // CSRC list runs past the datagram
  kExtensionOverrun,  // header extension runs past the datagram
  kBadPadding,        // padding count 0 or larger than the payload
};

const char* rtp_error_name(RtpError e) noexcept;

struct RtpHeader {
  bool padding = false;
  bool extension = false;
  std::uint8_t csrc_count = 0;
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint16_t extension_profile = 0;
  std::uint16_t header_size = 0;    // fixed header + CSRCs + extension
  std::uint16_t payload_size = 0;   // without padding
  std::uint16_t padding_size = 0;
};

SB_ALWAYS_INLINE std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
SB_ALWAYS_INLINE std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
SB_ALWAYS_INLINE void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
SB_ALWAYS_INLINE void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}

// Parses and validates an RTP packet of `len` bytes.
RtpError parse_rtp(const std::uint8_t* data, std::size_t len, RtpHeader& out) noexcept;

// RFC 5761 §4: with rtcp-mux, a packet whose second byte is 192-223 (RTCP
// packet types SR..APP and the feedback types) is RTCP; anything else that
// looks like version 2 is RTP.
SB_ALWAYS_INLINE bool looks_like_rtcp(const std::uint8_t* data, std::size_t len) noexcept {
  return len >= 2 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223;
}

// The fields the relay rewrites, in place (header already validated).
SB_ALWAYS_INLINE void rewrite_rtp(std::uint8_t* data, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc) noexcept {
  store_be16(data + 2, seq);
  store_be32(data + 4, ts);
  store_be32(data + 8, ssrc);
}

// Writes a 12-byte header (no CSRC, no extension). Returns 12.
std::size_t write_rtp_header(std::uint8_t* out, bool marker, std::uint8_t pt, std::uint16_t seq, std::uint32_t ts,
                             std::uint32_t ssrc) noexcept;

}  // namespace sb::rtp
