// Fuzzes what a WebSocket client of /api/v1/events sends: the ?types=
// filter of the upgrade request and the JSON commands on the stream.
// Input: one selector byte, then the text.
#include <cstdint>
#include <string>

#include "control/api/event_filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto f = sb::api::EventFilter::parse_list(text);
    if (f) {
      if (f->patterns().size() > sb::api::kMaxFilterPatterns && !f->everything()) __builtin_trap();
      // Matching arbitrary types is safe; a filter never matches an invalid type by prefix alone.
      (void)f->matches(text);
      (void)f->matches("call.created");
    }
  } else {
    auto c = sb::api::parse_client_command(text);
    if (c && c->id.size() > 64) __builtin_trap();
  }
  return 0;
}
