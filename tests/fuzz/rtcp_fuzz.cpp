// Fuzzes RTCP compound parsing and the SSRC rewriter: the rewriter must
// accept exactly what the parser accepts and leave rejected input untouched.
#include <cstdint>
#include <vector>

#include "dataplane/rtp/rtcp.hpp"

namespace {
std::uint32_t flip(void*, std::uint32_t s) { return ~s; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> buf(data, data + size);
  sb::rtp::RtcpSummary sum;
  const bool valid = sb::rtp::parse_rtcp(buf.data(), buf.size(), sum) == sb::rtp::RtcpError::kNone;
  if (valid && (sum.block_count < 0 || sum.block_count > sb::rtp::RtcpSummary::kMaxBlocks)) __builtin_trap();
  const std::vector<std::uint8_t> before = buf;
  const bool rewritten = sb::rtp::rewrite_rtcp_ssrcs(buf.data(), buf.size(), flip, flip, nullptr);
  if (rewritten != valid) __builtin_trap();
  if (!rewritten && buf != before) __builtin_trap();
  if (rewritten) {
    // Rewriting SSRCs never breaks validity.
    sb::rtp::RtcpSummary again;
    if (sb::rtp::parse_rtcp(buf.data(), buf.size(), again) != sb::rtp::RtcpError::kNone) __builtin_trap();
  }
  return 0;
}
