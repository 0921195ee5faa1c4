#include "control/sip/transport/protection.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sb::sip {
namespace {

namespace ip = boost::asio::ip;

ip::address addr(const char* text) { return ip::make_address(text); }

TEST(Cidr, ParseAndMatch) {
  auto c = Cidr::parse("10.0.0.0/8");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(addr("10.255.1.2")));
  EXPECT_FALSE(c->contains(addr("11.0.0.1")));
  EXPECT_TRUE(c->contains(addr("::ffff:10.1.2.3")));  // v4-mapped
  EXPECT_FALSE(c->contains(addr("2001:db8::1")));
  EXPECT_EQ(c->to_string(), "10.0.0.0/8");

  auto odd = Cidr::parse("192.168.1.128/25");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(addr("192.168.1.200")));
  EXPECT_FALSE(odd->contains(addr("192.168.1.127")));

  auto v6 = Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(addr("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->contains(addr("2001:db9::1")));
  EXPECT_FALSE(v6->contains(addr("10.0.0.1")));

  auto host = Cidr::parse("::1");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->contains(addr("::1")));
  EXPECT_FALSE(host->contains(addr("::2")));

  auto all = Cidr::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(addr("203.0.113.5")));
}

TEST(Cidr, Errors) {
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("2001:db8::/129"));
  EXPECT_FALSE(Cidr::parse("10.1.2.3/8"));  // host bits set
  EXPECT_FALSE(Cidr::parse("example.com/8"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
}

TEST(Protection, AclAllowDeny) {
  ManualClock clock;
  ProtectionOptions o;
  o.allow = {"192.0.2.0/24", "2001:db8:1::/48"};
  auto p = SourceProtection::create(o, clock);
  ASSERT_TRUE(p) << p.status().to_string();
  EXPECT_EQ(p->admit_request(addr("192.0.2.77")), Verdict::kAllow);
  EXPECT_EQ(p->admit_request(addr("198.51.100.1")), Verdict::kAclDenied);
  EXPECT_EQ(p->admit_source(addr("2001:db8:1:2::5")), Verdict::kAllow);
  EXPECT_EQ(p->admit_source(addr("2001:db8:2::5")), Verdict::kAclDenied);
  EXPECT_EQ(drop_reason(Verdict::kAclDenied), DropReason::kAclDenied);

  ProtectionOptions open;
  auto q = SourceProtection::create(open, clock);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->admit_request(addr("203.0.113.1")), Verdict::kAllow);
  EXPECT_EQ(q->admit_request(addr("2001:db8::1")), Verdict::kAllow);

  o.allow = {"10.0.0.0/40"};
  EXPECT_FALSE(SourceProtection::create(o, clock));
}

TEST(Protection, RateLimitThenBanThenUnban) {
  ManualClock clock;
  ProtectionOptions o;
  o.requests_per_second = 10;
  o.burst = 5;
  o.violations_before_ban = 3;
  o.violation_window = std::chrono::seconds(10);
  o.ban_duration = std::chrono::seconds(60);
  auto p = SourceProtection::create(o, clock);
  ASSERT_TRUE(p);
  const auto a = addr("192.0.2.1");
  const auto b = addr("192.0.2.2");

  for (int i = 0; i < 5; ++i) EXPECT_EQ(p->admit_request(a), Verdict::kAllow) << i;  // the burst
  EXPECT_EQ(p->admit_request(a), Verdict::kRateLimited);
  // Another source has its own bucket.
  EXPECT_EQ(p->admit_request(b), Verdict::kAllow);
  // 100 ms refills one token.
  clock.advance(std::chrono::milliseconds(100));
  EXPECT_EQ(p->admit_request(a), Verdict::kAllow);
  EXPECT_EQ(p->admit_request(a), Verdict::kRateLimited);  // violation 2
  EXPECT_FALSE(p->is_banned(a));
  EXPECT_EQ(p->admit_request(a), Verdict::kRateLimited);  // violation 3: banned from now
  EXPECT_TRUE(p->is_banned(a));
  EXPECT_EQ(p->admit_request(a), Verdict::kBanned);
  EXPECT_EQ(p->admit_source(a), Verdict::kBanned);
  // Even with a full bucket's worth of time, the ban holds until it ends.
  clock.advance(std::chrono::seconds(59));
  EXPECT_EQ(p->admit_request(a), Verdict::kBanned);
  clock.advance(std::chrono::seconds(1));
  EXPECT_FALSE(p->is_banned(a));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(p->admit_request(a), Verdict::kAllow) << i;
  EXPECT_EQ(p->admit_request(a), Verdict::kRateLimited);
  EXPECT_EQ(p->admit_request(b), Verdict::kAllow);
}

TEST(Protection, ViolationsOutsideTheWindowAreForgotten) {
  ManualClock clock;
  ProtectionOptions o;
  o.requests_per_second = 1;
  o.burst = 1;
  o.violations_before_ban = 2;
  o.violation_window = std::chrono::seconds(5);
  auto p = SourceProtection::create(o, clock);
  ASSERT_TRUE(p);
  const auto a = addr("192.0.2.1");
  EXPECT_EQ(p->admit_request(a), Verdict::kAllow);
  EXPECT_EQ(p->admit_request(a), Verdict::kRateLimited);  // violation 1
  clock.advance(std::chrono::seconds(6));
  EXPECT_EQ(p->admit_request(a), Verdict::kAllow);
  EXPECT_EQ(p->admit_request(a), Verdict::kRateLimited);  // violation 1 again, the old one expired
  EXPECT_FALSE(p->is_banned(a));
  EXPECT_EQ(p->admit_request(a), Verdict::kRateLimited);  // violation 2, within the window
  EXPECT_TRUE(p->is_banned(a));
}

TEST(Protection, NoRateLimitTracksNothing) {
  ManualClock clock;
  auto p = SourceProtection::create(ProtectionOptions{}, clock);
  ASSERT_TRUE(p);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(p->admit_request(addr("192.0.2.1")), Verdict::kAllow);
  EXPECT_EQ(p->tracked_sources(), 0u);
}

TEST(Protection, TableIsBoundedAndKeepsBans) {
  ManualClock clock;
  ProtectionOptions o;
  o.requests_per_second = 1;
  o.burst = 1;
  o.violations_before_ban = 1;
  o.max_sources = 16;
  auto p = SourceProtection::create(o, clock);
  ASSERT_TRUE(p);
  // The oldest entry is banned.
  const auto banned = addr("198.51.100.1");
  EXPECT_EQ(p->admit_request(banned), Verdict::kAllow);
  EXPECT_EQ(p->admit_request(banned), Verdict::kRateLimited);
  EXPECT_TRUE(p->is_banned(banned));
  for (int i = 0; i < 1000; ++i) {
    clock.advance(std::chrono::milliseconds(1));
    const auto a = ip::make_address_v4(static_cast<ip::address_v4::uint_type>(0x0a000000 + i));
    EXPECT_EQ(p->admit_request(a), Verdict::kAllow);
    EXPECT_LE(p->tracked_sources(), 16u);
  }
  EXPECT_EQ(p->tracked_sources(), 16u);
  // Fresh sources evicted idle ones, not the banned one.
  EXPECT_TRUE(p->is_banned(banned));
  EXPECT_EQ(p->admit_request(banned), Verdict::kBanned);
  // A recently seen source survives; the least recently seen went first.
  EXPECT_EQ(p->admit_request(addr("10.0.3.231")), Verdict::kRateLimited);  // source 999: bucket still empty
}

TEST(Protection, ScannerUserAgents) {
  ManualClock clock;
  auto p = SourceProtection::create(ProtectionOptions{}, clock);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is_scanner_user_agent("friendly-scanner"));
  EXPECT_TRUE(p->is_scanner_user_agent("SIPVicious 0.3.4"));
  EXPECT_TRUE(p->is_scanner_user_agent("my sipcli/v1.8"));
  EXPECT_TRUE(p->is_scanner_user_agent("IWAR"));
  EXPECT_FALSE(p->is_scanner_user_agent("baresip v2.9.0 (x86_64/linux)"));
  EXPECT_FALSE(p->is_scanner_user_agent(""));

  const std::string raw =
      "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-1\r\n"
      "From: \"sipvicious\" <sip:100@1.1.1.1>;tag=1\r\nTo: <sip:100@1.1.1.1>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n"
      "User-Agent: Friendly-Scanner\r\nContent-Length: 0\r\n\r\n";
  auto m = parse_sip_message(raw, ParseLimits{});
  ASSERT_TRUE(m);
  EXPECT_EQ(p->inspect(*m), Verdict::kScanner);

  ProtectionOptions custom;
  custom.scanner_user_agents = {"EvilBot"};
  auto q = SourceProtection::create(custom, clock);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->is_scanner_user_agent("x-evilbot-2"));
  EXPECT_FALSE(q->is_scanner_user_agent("friendly-scanner"));
  EXPECT_EQ(q->inspect(*m), Verdict::kAllow);

  custom.scanner_user_agents = {""};
  EXPECT_FALSE(SourceProtection::create(custom, clock));
}

}  // namespace
}  // namespace sb::sip
