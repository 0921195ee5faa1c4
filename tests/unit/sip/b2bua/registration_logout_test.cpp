// [sip] logout_on_expiry: an agent whose phone's registration lapses
// (expires, or is removed with Expires: 0) is logged out through call
// control's side of the B2BUA; a phone that re-registers in time is not.
#include "tests/unit/sip/b2bua/b2bua_fixture.hpp"

namespace sb::sip::b2bua::test {
namespace {

class RegistrationLogoutTest : public B2buaTest {
 protected:
  void with_logout_on_expiry(bool on) {
    B2buaOptions o;
    o.trunks = {{"local", {"127.0.0.0/8"}, "", ""}};
    o.registrar.agents = {{"1001", "secret-1001"}, {"1002", "secret-1002"}};
    o.registrar.nonce_secret = "x";
    o.logout_on_expiry = on;
    b2bua_ = std::make_unique<B2bua>(clock_, o, calls_, wire_);
  }
  void advance(std::chrono::seconds by) {
    clock_.advance(by);
    b2bua_->on_tick(clock_.now());
  }
};

TEST_F(RegistrationLogoutTest, AnExpiredRegistrationLogsTheAgentOut) {
  with_logout_on_expiry(true);
  register_agent("1001", 5090);  // 3600 s, the registrar's default
  register_agent("1002", 5092);
  advance(std::chrono::seconds(3000));
  // 1002's phone refreshes its registration in time; 1001's does not.
  register_agent("1002", 5092, 3600);
  advance(std::chrono::seconds(599));
  EXPECT_TRUE(calls_.logouts.empty());
  EXPECT_EQ(b2bua_->counters().registrations.load(), 2u);
  advance(std::chrono::seconds(2));
  ASSERT_EQ(calls_.logouts.size(), 1u);
  EXPECT_EQ(calls_.logouts[0], (std::pair<std::string, std::string>{"1001", "registration-expired"}));
  EXPECT_EQ(b2bua_->counters().registrations.load(), 1u);
  EXPECT_EQ(b2bua_->counters().registration_logouts.load(), 1u);
  // Nothing more for the same lapse.
  advance(std::chrono::seconds(5));
  EXPECT_EQ(calls_.logouts.size(), 1u);
}

TEST_F(RegistrationLogoutTest, UnregisteringLogsTheAgentOut) {
  with_logout_on_expiry(true);
  register_agent("1001", 5090);
  register_agent("1001", 5090, 0);
  ASSERT_EQ(calls_.logouts.size(), 1u);
  EXPECT_EQ(calls_.logouts[0], (std::pair<std::string, std::string>{"1001", "registration-removed"}));
  EXPECT_EQ(b2bua_->counters().registrations.load(), 0u);
  // Offers no longer ring the phone.
  b2bua_->on_agent_offered({81, "1001", "x", {0x7f000001, 30020}, codecs::CodecId::kPcmu, 0, 101});
  EXPECT_TRUE(wire_.last("INVITE").empty());
}

TEST_F(RegistrationLogoutTest, OffByDefault) {
  register_agent("1001", 5090);
  register_agent("1002", 5092);
  register_agent("1002", 5092, 0);
  advance(std::chrono::seconds(3601));
  EXPECT_EQ(b2bua_->counters().registrations.load(), 0u);
  EXPECT_TRUE(calls_.logouts.empty());
  EXPECT_EQ(b2bua_->counters().registration_logouts.load(), 0u);
}

}  // namespace
}  // namespace sb::sip::b2bua::test
