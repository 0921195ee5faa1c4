// Which events a WebSocket client of /api/v1/events receives, and the
// commands such a client may send. Both come from the network: parsing is
// strict and bounded, and errors name what was wrong.
//
// A filter is a list of event-type patterns: an exact type ("agent.state"),
// a prefix ending in ".*" ("call.*" matches "call.created" and
// "call.state"), or "*" for everything. No patterns: everything.
//   GET /api/v1/events?types=call.*,agent.state
//
// Client commands are JSON text messages:
//   {"op": "subscribe", "types": ["call.*"]}     replace the filter
//   {"op": "ping"}                                the server answers {"op": "pong"}
// An optional "id" string (up to 64 bytes) is echoed in the reply.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace sb::api {

inline constexpr std::size_t kMaxFilterPatterns = 32;
inline constexpr std::size_t kMaxPatternLength = 64;
inline constexpr std::size_t kMaxClientMessageBytes = 4096;

class EventFilter {
 public:
  EventFilter() = default;  // everything

  // From the comma-separated query parameter.
  static Result<EventFilter> parse_list(std::string_view csv);
  static Result<EventFilter> from_patterns(const std::vector<std::string>& patterns);

  bool matches(std::string_view type) const noexcept;
  bool everything() const noexcept { return all_; }
  std::vector<std::string> patterns() const;

 private:
  Status add(std::string_view pattern);
  bool all_ = true;
  std::vector<std::string> exact_;
  std::vector<std::string> prefixes_;  // with the trailing '.': "call."
};

// An event type as producers may publish it: dot-separated lower-case words.
bool valid_event_type(std::string_view type) noexcept;

struct ClientCommand {
  enum class Op { kSubscribe, kPing } op = Op::kPing;
  EventFilter filter;  // kSubscribe
  std::string id;
};

// InvalidArgument naming the field ("types[3]: ...") on anything unexpected.
Result<ClientCommand> parse_client_command(std::string_view text);

}  // namespace sb::api
