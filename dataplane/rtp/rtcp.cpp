#include "dataplane/rtp/rtcp.hpp"

#include <cstring>

#include "dataplane/rtp/rtp.hpp"

namespace sb::rtp {

const char* rtcp_error_name(RtcpError e) noexcept {
  switch (e) {
    case RtcpError::kNone: return "none";
    case RtcpError::kTooShort: return "too-short";
    case RtcpError::kBadVersion: return "bad-version";
    case RtcpError::kLengthOverrun: return "length-overrun";
    case RtcpError::kBadReportCount: return "bad-report-count";
    case RtcpError::kBadSdes: return "bad-sdes";
    case RtcpError::kBadBye: return "bad-bye";
    case RtcpError::kBadApp: return "bad-app";
    case RtcpError::kBadXr: return "bad-xr";
    case RtcpError::kUnknownType: return "unknown-type";
    case RtcpError::kBadPadding: return "bad-padding";
  }
  return "unknown";
}

namespace {

// One packet of a compound: header fields and its extent.
struct Packet {
  const std::uint8_t* p;
  std::size_t len;  // whole packet, header included, padding excluded
  std::uint8_t count;
  std::uint8_t type;
};

RtcpError next_packet(const std::uint8_t* d, std::size_t left, Packet& pk, std::size_t& consumed) noexcept {
  if (left < 4) return RtcpError::kTooShort;
  if ((d[0] >> 6) != 2) return RtcpError::kBadVersion;
  const std::size_t len = 4u * (static_cast<std::size_t>(load_be16(d + 2)) + 1);
  if (len > left) return RtcpError::kLengthOverrun;
  std::size_t padding = 0;
  if (d[0] & 0x20) {
    padding = d[len - 1];
    if (padding == 0 || padding > len - 4) return RtcpError::kBadPadding;
  }
  pk = {d, len - padding, static_cast<std::uint8_t>(d[0] & 0x1f), d[1]};
  consumed = len;
  if (pk.type < 192 || pk.type > 223) return RtcpError::kUnknownType;
  return RtcpError::kNone;
}

RtcpReportBlock read_block(const std::uint8_t* b) noexcept {
  RtcpReportBlock r{};
  r.ssrc = load_be32(b);
  r.fraction_lost = b[4];
  std::int32_t lost = (b[5] << 16) | (b[6] << 8) | b[7];
  if (lost & 0x800000) lost |= static_cast<std::int32_t>(0xff000000u);  // sign-extend 24 bits
  r.cumulative_lost = lost;
  r.highest_seq = load_be32(b + 8);
  r.jitter = load_be32(b + 12);
  r.lsr = load_be32(b + 16);
  r.dlsr = load_be32(b + 20);
  return r;
}

// Validates one packet's body by type. Visitor hooks let the rewriter reuse
// the exact same walk, so "what was validated" and "what gets rewritten"
// cannot drift apart.
struct Hooks {
  virtual ~Hooks() = default;
  virtual void sender(std::uint8_t*) {}
  virtual void media(std::uint8_t*) {}
};

RtcpError walk(const Packet& pk, RtcpSummary* sum, Hooks* hooks) noexcept {
  auto* w = const_cast<std::uint8_t*>(pk.p);  // hooks write only when given a writable buffer
  switch (pk.type) {
    case kRtcpSr:
    case kRtcpRr: {
      const std::size_t fixed = pk.type == kRtcpSr ? 28 : 8;
      if (pk.len < fixed + 24u * pk.count) return RtcpError::kBadReportCount;
      if (hooks) hooks->sender(w + 4);
      if (sum && !sum->has_report) {
        sum->has_report = true;
        sum->sender_ssrc = load_be32(pk.p + 4);
      }
      if (sum && pk.type == kRtcpSr && !sum->has_sr) {
        sum->has_sr = true;
        sum->sr.ntp = static_cast<std::uint64_t>(load_be32(pk.p + 8)) << 32 | load_be32(pk.p + 12);
        sum->sr.rtp_timestamp = load_be32(pk.p + 16);
        sum->sr.packets = load_be32(pk.p + 20);
        sum->sr.octets = load_be32(pk.p + 24);
      }
      for (int i = 0; i < pk.count; ++i) {
        const std::uint8_t* b = pk.p + fixed + 24u * static_cast<unsigned>(i);
        if (sum && sum->block_count < RtcpSummary::kMaxBlocks) sum->blocks[sum->block_count++] = read_block(b);
        if (hooks) hooks->media(w + fixed + 24u * static_cast<unsigned>(i));
      }
      return RtcpError::kNone;
    }
    case kRtcpSdes: {
      std::size_t off = 4;
      for (int c = 0; c < pk.count; ++c) {
        if (off + 4 > pk.len) return RtcpError::kBadSdes;
        if (hooks) hooks->sender(w + off);
        off += 4;
        // Items until a zero type byte, then padding to a 32-bit boundary.
        for (;;) {
          if (off >= pk.len) return RtcpError::kBadSdes;
          if (pk.p[off] == 0) break;
          if (off + 2 > pk.len) return RtcpError::kBadSdes;
          off += 2 + pk.p[off + 1];
          if (off > pk.len) return RtcpError::kBadSdes;
        }
        off = (off + 4) & ~std::size_t{3};
        if (off > pk.len) return RtcpError::kBadSdes;
      }
      return RtcpError::kNone;
    }
    case kRtcpBye: {
      std::size_t off = 4 + 4u * pk.count;
      if (off > pk.len) return RtcpError::kBadBye;
      if (hooks)
        for (int i = 0; i < pk.count; ++i) hooks->sender(w + 4 + 4 * i);
      if (off < pk.len && off + 1 + pk.p[off] > pk.len) return RtcpError::kBadBye;  // reason string
      if (sum) sum->has_bye = true;
      return RtcpError::kNone;
    }
    case kRtcpApp:
      if (pk.len < 12) return RtcpError::kBadApp;
      if (hooks) hooks->sender(w + 4);
      return RtcpError::kNone;
    case kRtcpRtpFb:
    case kRtcpPsFb:
      // RFC 4585 §6.1: sender SSRC, media source SSRC, feedback control info.
      if (pk.len < 12) return RtcpError::kBadReportCount;
      if (hooks) {
        hooks->sender(w + 4);
        hooks->media(w + 8);
      }
      return RtcpError::kNone;
    case kRtcpXr: {
      // RFC 3611 §2: sender SSRC, then blocks of BT, type-specific, length.
      if (pk.len < 8) return RtcpError::kBadXr;
      if (hooks) hooks->sender(w + 4);
      std::size_t off = 8;
      while (off < pk.len) {
        if (off + 4 > pk.len) return RtcpError::kBadXr;
        const std::size_t block = 4u * (static_cast<std::size_t>(load_be16(pk.p + off + 2)) + 1);
        if (off + block > pk.len) return RtcpError::kBadXr;
        const std::uint8_t bt = pk.p[off];
        // Blocks that name a media source carry its SSRC first (loss/dup RLE,
        // receipt times, statistics summary, VoIP metrics).
        if (hooks && (bt == 1 || bt == 2 || bt == 3 || bt == 6 || bt == 7) && block >= 8) hooks->media(w + off + 4);
        off += block;
      }
      return RtcpError::kNone;
    }
    default:
      // Other types in 192-223 (e.g. 195 IJ) are passed through unexamined.
      return RtcpError::kNone;
  }
}

RtcpError walk_compound(const std::uint8_t* d, std::size_t len, RtcpSummary* sum, Hooks* hooks) noexcept {
  if (len < 4) return RtcpError::kTooShort;
  std::size_t off = 0;
  while (off < len) {
    Packet pk;
    std::size_t used = 0;
    const RtcpError e = next_packet(d + off, len - off, pk, used);
    if (e != RtcpError::kNone) return e;
    const RtcpError b = walk(pk, sum, hooks);
    if (b != RtcpError::kNone) return b;
    if (sum) ++sum->packets;
    off += used;
  }
  return RtcpError::kNone;
}

}  // namespace

RtcpError parse_rtcp(const std::uint8_t* data, std::size_t len, RtcpSummary& out) noexcept {
  out = {};
  return walk_compound(data, len, &out, nullptr);
}

bool rewrite_rtcp_ssrcs(std::uint8_t* data, std::size_t len, SsrcMap sender_map, SsrcMap media_map, void* ctx) noexcept {
  if (walk_compound(data, len, nullptr, nullptr) != RtcpError::kNone) return false;
  struct Rewriter final : Hooks {
    SsrcMap s, m;
    void* ctx;
    void sender(std::uint8_t* p) override { store_be32(p, s(ctx, load_be32(p))); }
    void media(std::uint8_t* p) override { store_be32(p, m(ctx, load_be32(p))); }
  } r;
  r.s = sender_map;
  r.m = media_map;
  r.ctx = ctx;
  walk_compound(data, len, nullptr, &r);
  return true;
}

std::size_t build_rtcp_report(std::span<std::uint8_t> out, std::uint32_t ssrc, const RtcpSenderInfo* sr,
                              const RtcpReportBlock* block, std::span<const char> cname) noexcept {
  const std::size_t report = (sr ? 28 : 8) + (block ? 24 : 0);
  const std::size_t name = cname.size() > 255 ? 255 : cname.size();
  const std::size_t sdes = (8 + 2 + name + 1 + 3) & ~std::size_t{3};
  if (out.size() < report + sdes) return 0;
  std::uint8_t* p = out.data();
  std::memset(p, 0, report + sdes);
  p[0] = static_cast<std::uint8_t>(0x80 | (block ? 1 : 0));
  p[1] = sr ? kRtcpSr : kRtcpRr;
  store_be16(p + 2, static_cast<std::uint16_t>(report / 4 - 1));
  store_be32(p + 4, ssrc);
  std::size_t off = 8;
  if (sr) {
    store_be32(p + 8, static_cast<std::uint32_t>(sr->ntp >> 32));
    store_be32(p + 12, static_cast<std::uint32_t>(sr->ntp));
    store_be32(p + 16, sr->rtp_timestamp);
    store_be32(p + 20, sr->packets);
    store_be32(p + 24, sr->octets);
    off = 28;
  }
  if (block) {
    store_be32(p + off, block->ssrc);
    p[off + 4] = block->fraction_lost;
    const std::uint32_t lost = static_cast<std::uint32_t>(block->cumulative_lost) & 0xffffff;
    p[off + 5] = static_cast<std::uint8_t>(lost >> 16);
    p[off + 6] = static_cast<std::uint8_t>(lost >> 8);
    p[off + 7] = static_cast<std::uint8_t>(lost);
    store_be32(p + off + 8, block->highest_seq);
    store_be32(p + off + 12, block->jitter);
    store_be32(p + off + 16, block->lsr);
    store_be32(p + off + 20, block->dlsr);
  }
  std::uint8_t* s = p + report;
  s[0] = 0x81;
  s[1] = kRtcpSdes;
  store_be16(s + 2, static_cast<std::uint16_t>(sdes / 4 - 1));
  store_be32(s + 4, ssrc);
  s[8] = 1;  // CNAME
  s[9] = static_cast<std::uint8_t>(name);
  std::memcpy(s + 10, cname.data(), name);
  // The rest is already zero: the item list terminator and padding.
  return report + sdes;
}

std::size_t append_rtcp_bye(std::span<std::uint8_t> out, std::size_t used, std::uint32_t ssrc) noexcept {
  if (used > out.size() || out.size() - used < 8) return 0;
  std::uint8_t* p = out.data() + used;
  p[0] = 0x81;  // one SSRC
  p[1] = kRtcpBye;
  store_be16(p + 2, 1);
  store_be32(p + 4, ssrc);
  return used + 8;
}

std::uint64_t ntp_from_unix_nanos(std::int64_t ns) noexcept {
  constexpr std::uint64_t kUnixToNtp = 2208988800ull;  // seconds from 1900 to 1970
  const std::uint64_t secs = static_cast<std::uint64_t>(ns / 1'000'000'000) + kUnixToNtp;
  const std::uint64_t frac = (static_cast<std::uint64_t>(ns % 1'000'000'000) << 32) / 1'000'000'000;
  return secs << 32 | frac;
}

double rtt_seconds(const RtcpReportBlock& b, std::uint64_t now_ntp) noexcept {
  if (b.lsr == 0) return -1.0;
  const std::uint32_t now_mid = static_cast<std::uint32_t>(now_ntp >> 16);
  const std::uint32_t rtt = now_mid - b.lsr - b.dlsr;
  if (static_cast<std::int32_t>(rtt) < 0) return -1.0;
  return rtt / 65536.0;
}

}  // namespace sb::rtp
