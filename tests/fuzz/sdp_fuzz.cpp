// Fuzzes the SDP parser, the serialiser and offer/answer: whatever parses
// must serialise into SDP that parses again to the same text, and answering
// it, or reading it as an answer to our offer, must return an answer or a
// Status, never crash.
#include <cstdint>
#include <string>
#include <string_view>

#include "control/sip/sdp/offer_answer.hpp"
#include "control/sip/sdp/sdp.hpp"

namespace {

sb::sdp::LocalCapabilities local_caps() {
  sb::sdp::LocalCapabilities c;
  for (auto name : {"opus", "G722", "PCMA", "PCMU"}) c.codecs.push_back(*sb::sdp::standard_codec(name));
  c.telephone_event_48k = true;
  c.address = "192.0.2.1";
  c.rtp_port = 20000;
  c.rtcp_mux = true;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An exact-size copy, so ASan sees any read past the end.
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto sdp = sb::sdp::parse(text);
  if (!sdp) return 0;

  const std::string out = sb::sdp::serialize(*sdp);
  auto again = sb::sdp::parse(out);
  if (!again || sb::sdp::serialize(*again) != out) __builtin_trap();

  static const sb::sdp::LocalCapabilities caps = local_caps();
  sb::sdp::LocalOrigin origin("fuzz", 1, sb::sdp::AddrType::kIp4, "192.0.2.1");
  auto answer = sb::sdp::answer_offer(*sdp, caps, origin);
  if (answer) {
    if (!sb::sdp::parse(sb::sdp::serialize(answer->answer))) __builtin_trap();
    if (answer->answer.media.size() != sdp->media.size()) __builtin_trap();
  }
  auto offer = sb::sdp::make_offer(caps, origin);
  if (!offer) __builtin_trap();
  (void)sb::sdp::process_answer(*offer, *sdp);
  (void)sb::sdp::compare_revision(*offer, *sdp);
  return 0;
}
