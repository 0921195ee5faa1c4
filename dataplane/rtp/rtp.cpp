#include "dataplane/rtp/rtp.hpp"

namespace sb::rtp {

const char* rtp_error_name(RtpError e) noexcept {
  switch (e) {
    case RtpError::kNone: return "none";
    case RtpError::kTooShort: return "too-short";
    case RtpError::kBadVersion: return "bad-version";
    case RtpError::kCsrcOverrun: return "csrc-overrun";
    case RtpError::kExtensionOverrun: return "extension-overrun";
    case RtpError::kBadPadding: return "bad-padding";
  }
  return "unknown";
}

RtpError parse_rtp(const std::uint8_t* d, std::size_t len, RtpHeader& h) noexcept {
  if (SB_UNLIKELY(len < kRtpFixedHeader)) return RtpError::kTooShort;
  if (SB_UNLIKELY((d[0] >> 6) != 2)) return RtpError::kBadVersion;
  h.padding = (d[0] & 0x20) != 0;
  h.extension = (d[0] & 0x10) != 0;
  h.csrc_count = d[0] & 0x0f;
  h.marker = (d[1] & 0x80) != 0;
  h.payload_type = d[1] & 0x7f;
  h.sequence = load_be16(d + 2);
  h.timestamp = load_be32(d + 4);
  h.ssrc = load_be32(d + 8);
  std::size_t off = kRtpFixedHeader + 4u * h.csrc_count;
  if (SB_UNLIKELY(off > len)) return RtpError::kCsrcOverrun;
  h.extension_profile = 0;
  if (h.extension) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then data.
    if (SB_UNLIKELY(off + 4 > len)) return RtpError::kExtensionOverrun;
    h.extension_profile = load_be16(d + off);
    const std::size_t words = load_be16(d + off + 2);
    off += 4 + 4 * words;
    if (SB_UNLIKELY(off > len)) return RtpError::kExtensionOverrun;
  }
  std::size_t padding = 0;
  if (h.padding) {
    // The last byte counts the padding, itself included (§5.1).
    padding = d[len - 1];
    if (SB_UNLIKELY(padding == 0 || off + padding > len)) return RtpError::kBadPadding;
  }
  h.header_size = static_cast<std::uint16_t>(off);
  h.padding_size = static_cast<std::uint16_t>(padding);
  h.payload_size = static_cast<std::uint16_t>(len - off - padding);
  return RtpError::kNone;
}

std::size_t write_rtp_header(std::uint8_t* out, bool marker, std::uint8_t pt, std::uint16_t seq, std::uint32_t ts,
                             std::uint32_t ssrc) noexcept {
  out[0] = 0x80;
  out[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | (pt & 0x7f));
  store_be16(out + 2, seq);
  store_be32(out + 4, ts);
  store_be32(out + 8, ssrc);
  return kRtpFixedHeader;
}

}  // namespace sb::rtp
