// SIP session timers (RFC 4028) as carriers use them: what a request asks
// for (Session-Expires, its refresher, Min-SE, Supported: timer) and what
// we answer, as plain functions the B2BUA applies (session_timer.cpp holds
// the B2BUA's part: starting the timer with a 2xx, refreshing by
// re-INVITE, ending a session nobody refreshed).
//
//   auto asked = read_timer_request(invite);           // 400 on a bad header
//   auto d = negotiate_timer(policy, *asked);
//   if (d.too_small) respond(422, {{"Min-SE", policy.min_se}});
//   else respond_2xx(..., timer_headers(d));           // then start the timer
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "control/sip/message.hpp"

namespace sb::sip::b2bua {

// [sip] session_expires / min_se.
struct SessionTimerPolicy {
  // The interval we ask for when the peer names none, and the most we
  // grant when it names a longer one (seconds); 0: no timer of our own,
  // only a peer's request is honoured.
  std::uint32_t session_expires = 1800;
  // The shortest interval we accept: shorter requests get 422 (RFC 4028
  // sets 90 as the floor for everyone).
  std::uint32_t min_se = 90;
};

inline constexpr std::uint32_t kMinSessionInterval = 90;  // RFC 4028 §4

enum class Refresher : std::uint8_t { kUnspecified, kUac, kUas };

// A request's session-timer fields.
struct TimerRequest {
  std::optional<std::uint32_t> session_expires;
  Refresher refresher = Refresher::kUnspecified;
  std::uint32_t min_se = 0;  // 0: no Min-SE
  bool supported = false;    // the sender supports timers (Supported or Require: timer)
};

// Errors: invalid-argument naming the unreadable header.
Result<TimerRequest> read_timer_request(const SipMessage& m);

// What we answer (RFC 4028 §9), from the request's UAS side.
struct TimerDecision {
  bool too_small = false;         // answer 422 with Min-SE: policy.min_se
  std::uint32_t interval = 0;     // seconds; 0: no session timer
  bool uas_refreshes = false;     // we refresh (else the request's sender does)
  bool require = false;           // the sender supports timers: Require: timer in the 2xx
};
TimerDecision negotiate_timer(const SessionTimerPolicy& policy, const TimerRequest& request);

// Session-Expires (and Require: timer) for the 2xx; none without a timer.
std::vector<std::pair<std::string, std::string>> timer_headers(const TimerDecision& d);

// A response's Session-Expires (the answer to our refresh): the interval,
// and whether it leaves the refreshing to us (refresher=uac, or none named).
struct TimerAnswer {
  std::uint32_t interval = 0;
  bool we_refresh = true;
};
std::optional<TimerAnswer> read_timer_answer(const SipMessage& response);

// The Min-SE of a 422 (or any message); nullopt when absent or unreadable.
std::optional<std::uint32_t> min_se_of(const SipMessage& m);

}  // namespace sb::sip::b2bua
