#include "common/log.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace sb {
namespace {

TEST(LogRateLimiter, OnePerIntervalWithSuppressedCount) {
  ManualClock clock;
  LogRateLimiter rl(std::chrono::seconds(5), clock);
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(rl.allow(&suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(rl.allow(&suppressed));
  clock.advance(std::chrono::seconds(4));
  EXPECT_FALSE(rl.allow(&suppressed));
  clock.advance(std::chrono::seconds(1));
  EXPECT_TRUE(rl.allow(&suppressed));
  EXPECT_EQ(suppressed, 11u);
}

TEST(Logging, RejectsUnknownLevel) {
  EXPECT_TRUE(init_logging("warn").is_ok());
  EXPECT_TRUE(init_logging("off").is_ok());
  const Status s = init_logging("loud");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("loud"), std::string::npos);
}

TEST(Logging, RateLimitedMacroWritesOnceAndCountsTheRest) {
  std::ostringstream sink_out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_out);
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  for (int i = 0; i < 50; ++i) SB_LOG_RATELIMITED(std::chrono::hours(1), spdlog::level::warn, "bad packet {}", i);
  spdlog::set_default_logger(previous);
  const std::string text = sink_out.str();
  EXPECT_NE(text.find("bad packet 0"), std::string::npos);
  EXPECT_EQ(text.find("bad packet 1"), std::string::npos);
}

}  // namespace
}  // namespace sb
