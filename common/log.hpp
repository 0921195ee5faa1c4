// Logging over spdlog, with rate limiting for repeated warnings.
//
// Never log on the packet path: workers count and drop; the control plane
// reads counters and logs. Where a control-plane condition can repeat at
// network speed (a peer hammering us with bad SIP, a disk that keeps
// failing), log through SB_LOG_RATELIMITED so one line per interval reaches
// the log with the number of identical lines it stands for.
//
//   SB_LOG_RATELIMITED(std::chrono::seconds(5), spdlog::level::warn,
//                      "dropping malformed SIP from {}", peer);
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <string_view>

#include "common/clock.hpp"
#include "common/status.hpp"

namespace sb {

// Sets the default logger's level ("trace".."critical", "off") and pattern.
Status init_logging(std::string_view level);

// One message per interval per call site, safe from any thread.
class LogRateLimiter {
 public:
  explicit LogRateLimiter(Nanos interval, const Clock& clock = SteadyClock::instance()) noexcept
      : interval_(interval.count()), clock_(clock) {}

  // True when this call may log. On true, *suppressed receives how many calls
  // were refused since the last allowed one.
  bool allow(std::uint64_t* suppressed) noexcept;

 private:
  std::int64_t interval_;
  const Clock& clock_;
  // The earliest time the next message may go out. Relaxed on the load;
  // the CAS is acq_rel so exactly one thread wins each interval and the
  // suppressed-count exchange below it is ordered after that win.
  std::atomic<std::int64_t> next_allowed_{INT64_MIN};
  std::atomic<std::uint64_t> suppressed_{0};
};

}  // namespace sb

#define SB_LOG_RATELIMITED(interval, level, ...)                                            \
  do {                                                                                      \
    static ::sb::LogRateLimiter sb_rl_{std::chrono::duration_cast<::sb::Nanos>(interval)};  \
    std::uint64_t sb_suppressed_ = 0;                                                       \
    if (sb_rl_.allow(&sb_suppressed_)) {                                                    \
      if (sb_suppressed_ > 0)                                                               \
        spdlog::log(level, "({} similar messages suppressed)", sb_suppressed_);           \
      spdlog::log(level, __VA_ARGS__);                                                      \
    }                                                                                       \
  } while (0)
