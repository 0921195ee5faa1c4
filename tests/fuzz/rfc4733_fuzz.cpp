// Fuzzes RFC 4733 payload parsing and the receiver's state machine. Input
// layout: a sequence of records [4-byte RTP timestamp][1-byte length][payload],
// fed as consecutive packets 20 ms apart, so the fuzzer explores sequences
// of events, not only single payloads.
#include <cstdint>
#include <cstring>
#include <span>

#include "ivr/rfc4733.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sb::ivr::TelephoneEvent events[sb::ivr::kMaxEventsPerPayload];
  (void)sb::ivr::parse_telephone_events(std::span(data, size), events);

  sb::ivr::Rfc4733Receiver rx(8000);
  sb::Nanos now{0};
  std::size_t off = 0;
  int reported = 0;
  while (off + 5 <= size) {
    std::uint32_t ts;
    std::memcpy(&ts, data + off, 4);
    const std::size_t len = data[off + 4];
    off += 5;
    const std::size_t take = len < size - off ? len : size - off;
    auto r = rx.on_packet(ts, std::span(data + off, take), now);
    off += take;
    now += std::chrono::milliseconds(20);
    if (r.ended) {
      ++reported;
      // A reported digit is always a DTMF character.
      if (sb::ivr::digit_to_event(r.digit.digit) < 0) __builtin_trap();
    }
    (void)rx.poll(now);
  }
  return reported >= 0 ? 0 : 1;
}
