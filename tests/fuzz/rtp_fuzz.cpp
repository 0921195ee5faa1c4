// Fuzzes the RTP header parser and the relay's in-place rewrite: whatever is
// accepted must describe bytes inside the datagram.
#include <cstdint>
#include <vector>

#include "dataplane/rtp/rtp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An exact-size copy, so ASan sees any read past the end.
  std::vector<std::uint8_t> buf(data, data + size);
  sb::rtp::RtpHeader h;
  if (sb::rtp::parse_rtp(buf.data(), buf.size(), h) == sb::rtp::RtpError::kNone) {
    if (static_cast<std::size_t>(h.header_size) + h.payload_size + h.padding_size != size) __builtin_trap();
    sb::rtp::rewrite_rtp(buf.data(), static_cast<std::uint16_t>(h.sequence + 1), h.timestamp + 160, h.ssrc ^ 1);
    sb::rtp::RtpHeader again;
    if (sb::rtp::parse_rtp(buf.data(), buf.size(), again) != sb::rtp::RtpError::kNone) __builtin_trap();
  }
  (void)sb::rtp::looks_like_rtcp(buf.data(), buf.size());
  return 0;
}
