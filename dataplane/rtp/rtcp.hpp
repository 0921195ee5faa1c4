// RTCP (RFC 3550 §6, RFC 3611 XR, RFC 4585 feedback): strict parsing of
// compound packets, SSRC translation in place for relayed legs, and SR/RR
// generation for legs the server terminates.
//
// Each packet's length field is checked against what is left of the
// datagram, report counts against the packet's length, SDES items and XR
// blocks against their chunk. A compound packet is accepted only if every
// packet in it is well formed (RFC 3550 A.2 validity checks, relaxed to
// allow reduced-size RTCP per RFC 5506: the first packet need not be SR/RR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sb::rtp {

enum RtcpType : std::uint8_t {
  kRtcpSr = 200,
  kRtcpRr = 201,
  kRtcpSdes = 202,
  kRtcpBye = 203,
  kRtcpApp = 204,
  kRtcpRtpFb = 205,
  kRtcpPsFb = 206,
  kRtcpXr = 207,
};

enum class RtcpError : std::uint8_t {
  kNone = 0,
  kTooShort,        // less than one 4-byte header
  kBadVersion,
  kLengthOverrun,   // a length field points past the datagram
  kBadReportCount,  // SR/RR report blocks do not fit the packet
  kBadSdes,         // an SDES chunk or item runs past its packet
  kBadBye,
  kBadApp,
  kBadXr,           // an XR block runs past its packet
  kUnknownType,     // a packet type outside 192-223
  kBadPadding,
};

const char* rtcp_error_name(RtcpError e) noexcept;

struct RtcpReportBlock {
  std::uint32_t ssrc;             // the source this block reports on
  std::uint8_t fraction_lost;     // /256
  std::int32_t cumulative_lost;   // 24-bit signed
  std::uint32_t highest_seq;      // extended
  std::uint32_t jitter;           // RTP timestamp units
  std::uint32_t lsr;              // middle 32 bits of the last SR's NTP time
  std::uint32_t dlsr;             // 1/65536 s
};

struct RtcpSenderInfo {
  std::uint64_t ntp;              // 32.32 fixed point
  std::uint32_t rtp_timestamp;
  std::uint32_t packets;
  std::uint32_t octets;
};

// What the relay and the statistics need from one compound packet.
struct RtcpSummary {
  static constexpr int kMaxBlocks = 31;
  int packets = 0;
  bool has_report = false;        // an SR or RR was present
  bool has_sr = false;
  bool has_bye = false;
  std::uint32_t sender_ssrc = 0;  // of the first SR/RR
  RtcpSenderInfo sr{};
  int block_count = 0;
  RtcpReportBlock blocks[kMaxBlocks];
};

// Validates a whole compound packet and fills `out`.
RtcpError parse_rtcp(const std::uint8_t* data, std::size_t len, RtcpSummary& out) noexcept;

// Rewrites, in a packet that parse_rtcp() accepted, every SSRC that
// identifies a sender (SR/RR/BYE/APP/XR/feedback sender, SDES chunk) through
// `sender_map` and every report-block/feedback media SSRC through
// `media_map`. A map returning its argument leaves the field unchanged.
// Returns false if the packet is not valid (nothing is changed then).
using SsrcMap = std::uint32_t (*)(void* ctx, std::uint32_t ssrc);
bool rewrite_rtcp_ssrcs(std::uint8_t* data, std::size_t len, SsrcMap sender_map, SsrcMap media_map, void* ctx) noexcept;

// Builds an SR (when `sr` is non-null) or RR for `ssrc` with up to one
// report block and an SDES CNAME, as RFC 3550 requires of a compound packet.
// Returns the bytes written, 0 if `out` is too small.
std::size_t build_rtcp_report(std::span<std::uint8_t> out, std::uint32_t ssrc, const RtcpSenderInfo* sr,
                              const RtcpReportBlock* block, std::span<const char> cname) noexcept;
// Appends a BYE for `ssrc` (no reason) to the `used` bytes of a compound
// packet build_rtcp_report() wrote at the start of `out` (RFC 3550 §6.1: a
// BYE goes last in a compound that starts with a report). Returns the new
// length, 0 if `out` is too small.
std::size_t append_rtcp_bye(std::span<std::uint8_t> out, std::size_t used, std::uint32_t ssrc) noexcept;

// NTP time (32.32) for a wall-clock time in nanoseconds since the Unix epoch.
std::uint64_t ntp_from_unix_nanos(std::int64_t ns) noexcept;
// Round-trip time from a report block (RFC 3550 §6.4.1): the middle 32 bits
// of "now" in NTP minus LSR minus DLSR, in seconds; negative if unknown.
double rtt_seconds(const RtcpReportBlock& b, std::uint64_t now_ntp) noexcept;

}  // namespace sb::rtp
