#include "common/status.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace sb {
namespace {

Result<int> parse_port(int v) {
  if (v < 1 || v > 65535) return invalid_argument("port " + std::to_string(v) + " is out of range");
  return v;
}

Status chain(int v) {
  auto p = parse_port(v);
  if (!p) return p.status();
  SB_RETURN_IF_ERROR(Status::ok());
  return Status::ok();
}

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = not_found("queue 'sales' does not exist");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.to_string(), "not-found: queue 'sales' does not exist");
}

TEST(Result, HoldsValueOrStatus) {
  auto good = parse_port(5060);
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 5060);
  EXPECT_TRUE(good.status().is_ok());

  auto bad = parse_port(70000);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "port 70000 is out of range");
}

TEST(Result, PropagatesThroughCallers) {
  EXPECT_TRUE(chain(80).is_ok());
  EXPECT_EQ(chain(0).code(), StatusCode::kInvalidArgument);
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(StatusCode, EveryCodeHasAName) {
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c)
    EXPECT_NE(status_code_name(static_cast<StatusCode>(c)), "unknown");
}

}  // namespace
}  // namespace sb
