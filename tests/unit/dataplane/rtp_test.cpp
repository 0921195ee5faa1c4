// RTP and RTCP parsing against valid, truncated, oversized and random input.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dataplane/rtp/rtcp.hpp"
#include "dataplane/rtp/rtp.hpp"

namespace sb::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes rtp_packet(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, std::size_t payload,
                 int csrcs = 0, int ext_words = -1, int padding = 0, bool marker = false) {
  Bytes b(12);
  b[0] = static_cast<std::uint8_t>(0x80 | (padding ? 0x20 : 0) | (ext_words >= 0 ? 0x10 : 0) | csrcs);
  b[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt);
  store_be16(&b[2], seq);
  store_be32(&b[4], ts);
  store_be32(&b[8], ssrc);
  for (int i = 0; i < csrcs; ++i) b.insert(b.end(), {0, 0, 0, static_cast<std::uint8_t>(i + 1)});
  if (ext_words >= 0) {
    b.insert(b.end(), {0xBE, 0xDE, 0, static_cast<std::uint8_t>(ext_words)});
    b.insert(b.end(), static_cast<std::size_t>(4 * ext_words), 0xEE);
  }
  b.insert(b.end(), payload, 0x55);
  if (padding) {
    b.insert(b.end(), static_cast<std::size_t>(padding - 1), 0);
    b.push_back(static_cast<std::uint8_t>(padding));
  }
  return b;
}

TEST(Rtp, ParsesEveryField) {
  const auto b = rtp_packet(0, 4660, 0x01020304, 0xdeadbeef, 160, 2, 1, 4, true);
  RtpHeader h;
  ASSERT_EQ(parse_rtp(b.data(), b.size(), h), RtpError::kNone);
  EXPECT_TRUE(h.marker);
  EXPECT_EQ(h.payload_type, 0);
  EXPECT_EQ(h.sequence, 4660);
  EXPECT_EQ(h.timestamp, 0x01020304u);
  EXPECT_EQ(h.ssrc, 0xdeadbeefu);
  EXPECT_EQ(h.csrc_count, 2);
  EXPECT_TRUE(h.extension);
  EXPECT_EQ(h.extension_profile, 0xBEDE);
  EXPECT_EQ(h.header_size, 12 + 8 + 4 + 4);
  EXPECT_EQ(h.payload_size, 160);
  EXPECT_EQ(h.padding_size, 4);
}

TEST(Rtp, RejectsWhatDoesNotFit) {
  RtpHeader h;
  auto b = rtp_packet(0, 1, 1, 1, 0);
  EXPECT_EQ(parse_rtp(b.data(), 11, h), RtpError::kTooShort);
  auto v1 = b;
  v1[0] = 0x40;
  EXPECT_EQ(parse_rtp(v1.data(), v1.size(), h), RtpError::kBadVersion);
  auto cs = rtp_packet(0, 1, 1, 1, 0, 3);
  EXPECT_EQ(parse_rtp(cs.data(), cs.size() - 1, h), RtpError::kCsrcOverrun);
  auto ext = rtp_packet(0, 1, 1, 1, 0, 0, 2);
  EXPECT_EQ(parse_rtp(ext.data(), ext.size() - 1, h), RtpError::kExtensionOverrun);
  EXPECT_EQ(parse_rtp(ext.data(), 14, h), RtpError::kExtensionOverrun);
  auto pad = rtp_packet(0, 1, 1, 1, 10, 0, -1, 4);
  pad.back() = 0;
  EXPECT_EQ(parse_rtp(pad.data(), pad.size(), h), RtpError::kBadPadding);
  pad.back() = 200;
  EXPECT_EQ(parse_rtp(pad.data(), pad.size(), h), RtpError::kBadPadding);
  // A length field claiming 65535 words of extension.
  auto huge = rtp_packet(0, 1, 1, 1, 20, 0, 0);
  huge[14] = 0xff;
  huge[15] = 0xff;
  EXPECT_EQ(parse_rtp(huge.data(), huge.size(), h), RtpError::kExtensionOverrun);
}

TEST(Rtp, RandomInputNeverReadsPastTheBuffer) {
  // Exact-size heap buffers: under ASan any over-read is fatal.
  std::mt19937 rng(1);
  RtpHeader h;
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::size_t len = rng() % 64;
    std::vector<std::uint8_t> b(len);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (len) b[0] = static_cast<std::uint8_t>((b[0] & 0x3f) | 0x80);
    if (parse_rtp(b.data(), b.size(), h) == RtpError::kNone) {
      ++accepted;
      ASSERT_LE(static_cast<std::size_t>(h.header_size) + h.payload_size + h.padding_size, len);
    }
  }
  EXPECT_GT(accepted, 0);
}

TEST(Rtp, RtcpMuxDemux) {
  const auto rtp = rtp_packet(0, 1, 1, 1, 10);
  EXPECT_FALSE(looks_like_rtcp(rtp.data(), rtp.size()));
  const auto rtp_marker_pt72 = rtp_packet(72, 1, 1, 1, 10, 0, -1, 0, true);  // byte1 = 200!
  EXPECT_TRUE(looks_like_rtcp(rtp_marker_pt72.data(), rtp_marker_pt72.size()));  // why RFC 5761 forbids PT 64-95
  const std::uint8_t rr[] = {0x80, 201, 0, 1, 0, 0, 0, 1};
  EXPECT_TRUE(looks_like_rtcp(rr, sizeof rr));
}

TEST(Rtp, RewriteInPlace) {
  auto b = rtp_packet(8, 100, 1000, 42, 4);
  rewrite_rtp(b.data(), 7, 8, 9);
  RtpHeader h;
  ASSERT_EQ(parse_rtp(b.data(), b.size(), h), RtpError::kNone);
  EXPECT_EQ(h.sequence, 7);
  EXPECT_EQ(h.timestamp, 8u);
  EXPECT_EQ(h.ssrc, 9u);
  EXPECT_EQ(h.payload_type, 8);
}

// --- RTCP -----------------------------------------------------------------

Bytes sr(std::uint32_t ssrc, int blocks, std::uint32_t block_ssrc = 0x1111) {
  RtcpSenderInfo info{0x0102030405060708ull, 1234, 10, 1600};
  RtcpReportBlock b{block_ssrc, 12, -3, 70000, 45, 0xAABBCCDD, 0x00010000};
  Bytes out(200);
  const std::size_t n = build_rtcp_report(out, ssrc, &info, blocks ? &b : nullptr, std::span("host@example", 12));
  out.resize(n);
  return out;
}

TEST(Rtcp, BuiltSenderReportParsesBack) {
  const auto b = sr(0xCAFE, 1);
  RtcpSummary s;
  ASSERT_EQ(parse_rtcp(b.data(), b.size(), s), RtcpError::kNone);
  EXPECT_EQ(s.packets, 2);  // SR + SDES
  EXPECT_TRUE(s.has_sr);
  EXPECT_EQ(s.sender_ssrc, 0xCAFEu);
  EXPECT_EQ(s.sr.ntp, 0x0102030405060708ull);
  EXPECT_EQ(s.sr.rtp_timestamp, 1234u);
  ASSERT_EQ(s.block_count, 1);
  EXPECT_EQ(s.blocks[0].ssrc, 0x1111u);
  EXPECT_EQ(s.blocks[0].fraction_lost, 12);
  EXPECT_EQ(s.blocks[0].cumulative_lost, -3);  // 24-bit signed
  EXPECT_EQ(s.blocks[0].highest_seq, 70000u);
  EXPECT_EQ(s.blocks[0].lsr, 0xAABBCCDDu);
}

TEST(Rtcp, EveryPacketTypeInOneCompound) {
  Bytes b = sr(1, 0);
  // BYE with one SSRC and a reason.
  b.insert(b.end(), {0x81, 203, 0, 3, 0, 0, 0, 1, 4, 'd', 'o', 'n', 'e', 0, 0, 0});
  // APP: SSRC, name, 4 bytes of data.
  b.insert(b.end(), {0x80, 204, 0, 3, 0, 0, 0, 1, 'S', 'W', 'B', 'D', 1, 2, 3, 4});
  // XR: SSRC, one 12-byte block (BT=4, receiver reference time).
  b.insert(b.end(), {0x80, 207, 0, 4, 0, 0, 0, 1, 4, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8});
  // PLI (PSFB FMT 1): sender and media SSRC.
  b.insert(b.end(), {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 9});
  RtcpSummary s;
  ASSERT_EQ(parse_rtcp(b.data(), b.size(), s), RtcpError::kNone);
  EXPECT_EQ(s.packets, 6);
  EXPECT_TRUE(s.has_bye);
}

TEST(Rtcp, LengthFieldsAreNeverTrusted) {
  RtcpSummary s;
  auto b = sr(1, 1);
  EXPECT_EQ(parse_rtcp(b.data(), 3, s), RtcpError::kTooShort);
  EXPECT_EQ(parse_rtcp(b.data(), b.size() - 4, s), RtcpError::kLengthOverrun);  // SDES cut
  auto lie = b;
  lie[2] = 0x7f;  // first packet claims 32 K words
  EXPECT_EQ(parse_rtcp(lie.data(), lie.size(), s), RtcpError::kLengthOverrun);
  auto count = b;
  count[0] = 0x80 | 5;  // five report blocks in a packet sized for one
  EXPECT_EQ(parse_rtcp(count.data(), count.size(), s), RtcpError::kBadReportCount);
  const std::uint8_t sdes_overrun[] = {0x81, 202, 0, 2, 0, 0, 0, 1, 1, 200, 'a', 'b'};
  EXPECT_EQ(parse_rtcp(sdes_overrun, sizeof sdes_overrun, s), RtcpError::kBadSdes);
  const std::uint8_t xr_overrun[] = {0x80, 207, 0, 2, 0, 0, 0, 1, 4, 0, 0, 9};
  EXPECT_EQ(parse_rtcp(xr_overrun, sizeof xr_overrun, s), RtcpError::kBadXr);
  const std::uint8_t bye_overrun[] = {0x83, 203, 0, 1, 0, 0, 0, 1};
  EXPECT_EQ(parse_rtcp(bye_overrun, sizeof bye_overrun, s), RtcpError::kBadBye);
  const std::uint8_t not_rtcp[] = {0x80, 100, 0, 0};
  EXPECT_EQ(parse_rtcp(not_rtcp, sizeof not_rtcp, s), RtcpError::kUnknownType);
  const std::uint8_t v1[] = {0x40, 201, 0, 0};
  EXPECT_EQ(parse_rtcp(v1, sizeof v1, s), RtcpError::kBadVersion);
  const std::uint8_t bad_pad[] = {0xA0, 201, 0, 1, 0, 0, 0, 9};
  EXPECT_EQ(parse_rtcp(bad_pad, sizeof bad_pad, s), RtcpError::kBadPadding);
}

TEST(Rtcp, RandomInputNeverReadsPastTheBuffer) {
  std::mt19937 rng(2);
  RtcpSummary s;
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::size_t len = rng() % 96;
    std::vector<std::uint8_t> b(len);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (len >= 4) {
      b[0] = static_cast<std::uint8_t>(0x80 | (b[0] & 0x1f));
      b[1] = static_cast<std::uint8_t>(200 + rng() % 8);
      b[2] = 0;
      b[3] = static_cast<std::uint8_t>((len / 4) - 1 - rng() % 2);
    }
    if (parse_rtcp(b.data(), b.size(), s) == RtcpError::kNone) ++accepted;
  }
  EXPECT_GT(accepted, 0);
}

TEST(Rtcp, SsrcTranslation) {
  auto b = sr(0xAAAA, 1, 0xBBBB);
  b.insert(b.end(), {0x81, 203, 0, 1, 0, 0, 0xAA, 0xAA});
  struct Ctx { int calls = 0; } ctx;
  auto sender = +[](void* c, std::uint32_t s) -> std::uint32_t {
    ++static_cast<Ctx*>(c)->calls;
    return s == 0xAAAA ? 0x1234 : s;
  };
  auto media = +[](void*, std::uint32_t s) -> std::uint32_t { return s == 0xBBBB ? 0x5678 : s; };
  ASSERT_TRUE(rewrite_rtcp_ssrcs(b.data(), b.size(), sender, media, &ctx));
  RtcpSummary s;
  ASSERT_EQ(parse_rtcp(b.data(), b.size(), s), RtcpError::kNone);
  EXPECT_EQ(s.sender_ssrc, 0x1234u);
  EXPECT_EQ(s.blocks[0].ssrc, 0x5678u);
  EXPECT_EQ(ctx.calls, 3);  // SR sender, SDES chunk, BYE
  EXPECT_EQ(load_be32(b.data() + b.size() - 4), 0x1234u);
  // An invalid packet is left untouched.
  auto bad = b;
  bad[2] = 0x7f;
  const auto copy = bad;
  EXPECT_FALSE(rewrite_rtcp_ssrcs(bad.data(), bad.size(), sender, media, &ctx));
  EXPECT_EQ(bad, copy);
}

TEST(Rtcp, RoundTripTime) {
  // An SR sent at NTP time T is echoed with LSR = middle 32 bits of T and a
  // 0.5 s hold (DLSR); the report arrives at T + 0.6 s: RTT = 0.1 s.
  const std::uint64_t t = ntp_from_unix_nanos(1'700'000'000'000'000'000);
  RtcpReportBlock b{};
  b.lsr = static_cast<std::uint32_t>(t >> 16);
  b.dlsr = 65536 / 2;
  const std::uint64_t now = ntp_from_unix_nanos(1'700'000'000'600'000'000);
  EXPECT_NEAR(rtt_seconds(b, now), 0.1, 1e-4);
  b.lsr = 0;
  EXPECT_LT(rtt_seconds(b, now), 0);
}

}  // namespace
}  // namespace sb::rtp
