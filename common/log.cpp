#include "common/log.hpp"

#include <string>

namespace sb {

Status init_logging(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when asked for.
  if (lvl == spdlog::level::off && level != "off") {
    return invalid_argument("unknown log level '" + std::string(level) +
                            "' (expected trace, debug, info, warn, error, critical or off)");
  }
  spdlog::set_level(lvl);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return Status::ok();
}

bool LogRateLimiter::allow(std::uint64_t* suppressed) noexcept {
  const std::int64_t now = clock_.now().count();
  std::int64_t next = next_allowed_.load(std::memory_order_relaxed);
  while (now >= next) {
    if (next_allowed_.compare_exchange_weak(next, now + interval_, std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
      *suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
      return true;
    }
  }
  suppressed_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace sb
