// The SIP transport over UDP with real sockets on loopback.
#include <gtest/gtest.h>

#include <future>

#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"
#include "tests/unit/sip/transport/loopback.hpp"

namespace sb::sip {
namespace {

using test::Inbox;
using test::kWait;
using test::listen_on;
using test::options_request;
using test::UdpClient;
using test::wait_until;

struct UdpFixture {
  explicit UdpFixture(SipTransportOptions o = {}, const Clock& clock = SteadyClock::instance(),
                      const char* listen = "udp:127.0.0.1:0") {
    o.listen = {listen_on(listen)};
    transport = std::make_unique<SipTransport>(std::move(o), inbox.handler(), clock);
    status = transport->start();
    if (status) server = transport->local_endpoints().at(0).endpoint;
  }
  std::uint64_t dropped(DropReason r) const { return transport->counters()[Transport::kUdp].dropped(r); }

  Inbox inbox;
  std::unique_ptr<SipTransport> transport;
  Status status;
  Endpoint server;
};

TEST(SipTransportUdp, RequestSeenWithReceivedAndRportAndAnswered) {
  UdpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client.send_to(f.server, options_request("SIP/2.0/UDP 10.9.9.9:5099;rport;branch=z9hG4bK-u1")));

  auto m = f.inbox.next();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->message.is_request());
  EXPECT_EQ(m->context.transport, Transport::kUdp);
  EXPECT_EQ(m->context.source, client.local());
  EXPECT_EQ(m->context.local, f.server);
  EXPECT_EQ(m->context.listener, 0u);
  EXPECT_EQ(m->context.connection, 0u);
  const std::string port = std::to_string(client.local().port);
  EXPECT_EQ(m->context.top_via, "SIP/2.0/UDP 10.9.9.9:5099;rport=" + port + ";branch=z9hG4bK-u1;received=127.0.0.1");
  // The message itself carries the corrected Via, so responses built from it do.
  EXPECT_TRUE(m->context.via_rewritten);
  auto v = vias(m->message);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->front().received, "127.0.0.1");
  EXPECT_EQ(v->front().rport, client.local().port);
  EXPECT_EQ(m->context.response_target.endpoint, client.local());

  auto ok = make_response(m->message, 200, "OK", {.to_tag = "t1"});
  ASSERT_TRUE(ok);
  f.transport->reply(m->context, *ok);
  auto back = client.receive();
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->starts_with("SIP/2.0 200 OK\r\n"));
  EXPECT_NE(back->find(";rport=" + port), std::string::npos);
  EXPECT_TRUE(wait_until([&] { return f.transport->counters()[Transport::kUdp].messages_sent == 1; }));
  EXPECT_EQ(f.transport->counters()[Transport::kUdp].messages_received, 1u);
}

TEST(SipTransportUdp, SendToAnEndpointWithCompletion) {
  UdpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient peer;
  std::promise<Status> sent;
  f.transport->send(Transport::kUdp, peer.local(), "OPTIONS sip:x SIP/2.0\r\n\r\n",
                    [&](const Status& st) { sent.set_value(st); });
  auto got = peer.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "OPTIONS sip:x SIP/2.0\r\n\r\n");
  auto fut = sent.get_future();
  ASSERT_EQ(fut.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(fut.get());
}

TEST(SipTransportUdp, MalformedRequestWithTheNeededFieldsGets400) {
  UdpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  const std::string bad =
      "OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-bad\r\n"
      "From: <sip:alice@example.com>;tag=a1\r\n"
      "To: <sip:sb@127.0.0.1>\r\n"
      "Call-ID: bad-1\r\n"
      "CSeq: 1 OPTIONS\r\n"
      "this row has no colon\r\n"
      "Content-Length: 0\r\n\r\n";
  ASSERT_TRUE(client.send_to(f.server, bad));
  auto back = client.receive();
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->starts_with("SIP/2.0 400 ")) << *back;
  EXPECT_NE(back->find("Call-ID: bad-1\r\n"), std::string::npos);
  EXPECT_EQ(f.dropped(DropReason::kMalformed), 1u);
  EXPECT_EQ(f.transport->counters()[Transport::kUdp].bad_request_sent, 1u);
  EXPECT_EQ(f.inbox.size(), 0u);
}

TEST(SipTransportUdp, GarbageAndBadResponsesAreDroppedUnanswered) {
  UdpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  ASSERT_TRUE(client.send_to(f.server, "\x16\x03\x01 not sip at all"));
  ASSERT_TRUE(client.send_to(f.server, "SIP/2.0 200 OK\r\nVia: broken\r\nthis row has no colon\r\n\r\n"));
  // A request without the fields a response needs cannot be answered either.
  ASSERT_TRUE(client.send_to(f.server, "OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\nno colon\r\n\r\n"));
  ASSERT_TRUE(wait_until([&] { return f.dropped(DropReason::kMalformed) == 3; }));
  // Then a good request (rport, so the answer comes to this socket rather
  // than to sent-by's port), answered by the test: the first datagram back
  // is that answer, so none of the bad ones was answered.
  ASSERT_TRUE(client.send_to(f.server, options_request("SIP/2.0/UDP 127.0.0.1:5099;rport;branch=z9hG4bK-g")));
  auto m = f.inbox.next();
  ASSERT_TRUE(m);
  f.transport->reply(m->context, *make_response(m->message, 200, "OK"));
  auto back = client.receive();
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->starts_with("SIP/2.0 200 OK")) << *back;
  EXPECT_EQ(f.transport->counters()[Transport::kUdp].bad_request_sent, 0u);
}

TEST(SipTransportUdp, KeepAliveDatagramsAreIgnored) {
  UdpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  ASSERT_TRUE(client.send_to(f.server, "\r\n\r\n"));
  ASSERT_TRUE(wait_until([&] { return f.transport->counters()[Transport::kUdp].keepalives == 1; }));
  EXPECT_EQ(f.dropped(DropReason::kMalformed), 0u);
}

TEST(SipTransportUdp, OversizedDatagramIsCountedAndDropped) {
  SipTransportOptions o;
  o.max_message_bytes = 1024;
  UdpFixture f(o);
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  ASSERT_TRUE(client.send_to(f.server, options_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-big", "big", "",
                                                       std::string(2000, 'x'))));
  ASSERT_TRUE(wait_until([&] { return f.dropped(DropReason::kTooLarge) == 1; }));
  EXPECT_EQ(f.inbox.size(), 0u);
}

TEST(SipTransportUdp, ScannerIsDroppedSilently) {
  UdpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  ASSERT_TRUE(client.send_to(f.server, options_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-s", "scan",
                                                       "User-Agent: friendly-scanner\r\n")));
  ASSERT_TRUE(wait_until([&] { return f.dropped(DropReason::kScanner) == 1; }));
  EXPECT_EQ(f.inbox.size(), 0u);
}

TEST(SipTransportUdp, AclDenied) {
  SipTransportOptions o;
  o.protection.allow = {"10.0.0.0/8"};
  UdpFixture f(o);
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  ASSERT_TRUE(client.send_to(f.server, options_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-acl")));
  ASSERT_TRUE(wait_until([&] { return f.dropped(DropReason::kAclDenied) == 1; }));
  EXPECT_EQ(f.inbox.size(), 0u);
}

TEST(SipTransportUdp, RateLimitBanAndUnbanOnTheInjectedClock) {
  ManualClock clock;
  SipTransportOptions o;
  o.protection.requests_per_second = 1;
  o.protection.burst = 2;
  o.protection.violations_before_ban = 2;
  o.protection.ban_duration = std::chrono::seconds(30);
  UdpFixture f(o, clock);
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client;
  const auto req = [](int i) {
    return options_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-r" + std::to_string(i), "r" + std::to_string(i));
  };
  // Sent one at a time, each waited for, so the order is the test's.
  auto step = [&](int i, const std::function<bool()>& seen) {
    ASSERT_TRUE(client.send_to(f.server, req(i)));
    ASSERT_TRUE(wait_until(seen)) << i;
  };
  step(1, [&] { return f.inbox.size() == 1; });
  step(2, [&] { return f.inbox.size() == 2; });
  step(3, [&] { return f.dropped(DropReason::kRateLimited) == 1; });
  step(4, [&] { return f.dropped(DropReason::kRateLimited) == 2; });  // second violation: banned
  step(5, [&] { return f.dropped(DropReason::kBanned) == 1; });
  clock.advance(std::chrono::seconds(30));
  step(6, [&] { return f.inbox.size() == 3; });
}

TEST(SipTransportUdp, Ipv6Loopback) {
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback (::1) on this host";
  UdpFixture f({}, SteadyClock::instance(), "udp:[::1]:0");
  ASSERT_TRUE(f.status) << f.status.to_string();
  UdpClient client("::1");
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client.send_to(f.server, options_request("SIP/2.0/UDP [2001:db8::5]:5099;rport;branch=z9hG4bK-6")));
  auto m = f.inbox.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->context.source, client.local());
  EXPECT_EQ(m->context.top_via,
            "SIP/2.0/UDP [2001:db8::5]:5099;rport=" + std::to_string(client.local().port) +
                ";branch=z9hG4bK-6;received=[::1]");
  f.transport->reply(m->context, *make_response(m->message, 200, "OK"));
  auto back = client.receive();
  ASSERT_TRUE(back);
  EXPECT_NE(back->find("received=[::1]"), std::string::npos);
}

TEST(SipTransportUdp, StartErrors) {
  Inbox inbox;
  SipTransport none({}, inbox.handler());
  EXPECT_EQ(none.start().code(), StatusCode::kInvalidArgument);

  SipTransportOptions bad_acl;
  bad_acl.listen = {listen_on("udp:127.0.0.1:0")};
  bad_acl.protection.allow = {"300.0.0.0/8"};
  SipTransport t2(bad_acl, inbox.handler());
  EXPECT_EQ(t2.start().code(), StatusCode::kInvalidArgument);

  UdpFixture f;
  ASSERT_TRUE(f.status);
  SipTransportOptions taken;
  taken.listen = {ListenAddress{Transport::kUdp, f.server}};
  SipTransport t3(taken, inbox.handler());
  EXPECT_EQ(t3.start().code(), StatusCode::kUnavailable);
  EXPECT_EQ(f.transport->start().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace sb::sip
