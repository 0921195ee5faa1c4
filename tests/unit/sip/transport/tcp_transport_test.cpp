// The SIP transport over TCP with real sockets on loopback: framing,
// keep-alives, limits, idle timeout, answers on the same connection and
// outbound connections.
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
using test::TcpClient;
using test::TcpServer;
using test::wait_until;

struct TcpFixture {
  explicit TcpFixture(SipTransportOptions o = {}, const Clock& clock = SteadyClock::instance(),
                      const char* listen = "tcp:127.0.0.1:0") {
    o.listen = {listen_on(listen)};
    transport = std::make_unique<SipTransport>(std::move(o), inbox.handler(), clock);
    status = transport->start();
    if (status) server = transport->local_endpoints().at(0).endpoint;
  }
  const TransportCounters tcp() const { return transport->counters()[Transport::kTcp]; }

  Inbox inbox;
  std::unique_ptr<SipTransport> transport;
  Status status;
  Endpoint server;
};

std::string tcp_request(int i, const std::string& body = "") {
  return options_request("SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-t" + std::to_string(i), "c" + std::to_string(i),
                         "", body);
}

TEST(SipTransportTcp, TwoMessagesInOneSegment) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.write(tcp_request(1, "first") + tcp_request(2, "second")));
  auto a = f.inbox.next();
  auto b = f.inbox.next();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->message.body(), "first");
  EXPECT_EQ(b->message.body(), "second");
  EXPECT_EQ(a->context.transport, Transport::kTcp);
  EXPECT_NE(a->context.connection, 0u);
  EXPECT_EQ(a->context.connection, b->context.connection);
  EXPECT_EQ(a->context.source, c.local());
  EXPECT_EQ(a->context.response_target.connection, a->context.connection);
  // Source address equals sent-by and no rport: nothing to correct.
  EXPECT_FALSE(a->context.via_rewritten);
  EXPECT_EQ(a->context.top_via, "SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-t1");
}

TEST(SipTransportTcp, MessageSplitOverManyWrites) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  const std::string m = tcp_request(1, "hello body");
  for (std::size_t i = 0; i < m.size(); i += 7) {
    ASSERT_TRUE(c.write(m.substr(i, 7)));
    // Now and then let the transport see a partial message on its own.
    if (i % 70 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto got = f.inbox.next();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.body(), "hello body");
  EXPECT_EQ(*got->raw, m);
}

TEST(SipTransportTcp, BodySplitAcrossWrites) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  const std::string body(3000, 'b');
  const std::string m = tcp_request(1, body);
  const auto header_end = m.find("\r\n\r\n") + 4;
  ASSERT_TRUE(c.write(m.substr(0, header_end + 10)));
  // Give the transport a moment to read the partial message: nothing may
  // be delivered from it (whether or not it was read yet, this holds).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(f.inbox.size(), 0u);
  ASSERT_TRUE(c.write(m.substr(header_end + 10, 1000)));
  ASSERT_TRUE(c.write(m.substr(header_end + 1010)));
  auto got = f.inbox.next();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.body(), body);
}

TEST(SipTransportTcp, ResponseGoesBackOnTheSameConnection) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  ASSERT_TRUE(c.write(tcp_request(1)));
  auto m = f.inbox.next();
  ASSERT_TRUE(m);
  auto ok = make_response(m->message, 200, "OK", {.to_tag = "x"});
  ASSERT_TRUE(ok);
  std::promise<Status> sent;
  f.transport->reply(m->context, *ok, [&](const Status& st) { sent.set_value(st); });
  EXPECT_EQ(c.read_message(), *ok);
  auto fut = sent.get_future();
  ASSERT_EQ(fut.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(fut.get());
  // send_on with the connection id works the same way.
  f.transport->send_on(m->context.connection, *ok);
  EXPECT_EQ(c.read_message(), *ok);
  // An unknown connection fails.
  std::promise<Status> failed;
  f.transport->send_on(987654, *ok, [&](const Status& st) { failed.set_value(st); });
  auto ff = failed.get_future();
  ASSERT_EQ(ff.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(ff.get().code(), StatusCode::kUnavailable);
}

TEST(SipTransportTcp, MissingContentLengthGets400ThenClose) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  const std::string m =
      "OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-ncl\r\n"
      "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:sb@127.0.0.1>\r\nCall-ID: ncl\r\nCSeq: 1 OPTIONS\r\n\r\n";
  ASSERT_TRUE(c.write(m));
  const auto answer = c.read_message();
  EXPECT_TRUE(answer.starts_with("SIP/2.0 400 ")) << answer;
  EXPECT_NE(answer.find("Call-ID: ncl\r\n"), std::string::npos);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(f.tcp().dropped(DropReason::kNoContentLength), 1u);
  EXPECT_EQ(f.inbox.size(), 0u);
}

TEST(SipTransportTcp, MalformedButFramedRequestGets400AndTheConnectionStays) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  const std::string bad =
      "OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-m\r\n"
      "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:sb@127.0.0.1>\r\nCall-ID: m1\r\nCSeq: 1 OPTIONS\r\n"
      "no colon here\r\n"
      "Content-Length: 0\r\n\r\n";
  ASSERT_TRUE(c.write(bad + tcp_request(2)));
  EXPECT_TRUE(c.read_message().starts_with("SIP/2.0 400 "));
  auto good = f.inbox.next();
  ASSERT_TRUE(good);
  EXPECT_EQ(*call_id(good->message), "c2");
  EXPECT_EQ(f.tcp().dropped(DropReason::kMalformed), 1u);
}

TEST(SipTransportTcp, OversizedMessageClosesTheConnection) {
  SipTransportOptions o;
  o.max_message_bytes = 2048;
  TcpFixture f(o);
  ASSERT_TRUE(f.status) << f.status.to_string();
  {
    TcpClient c(f.server);  // the declared body is too large
    ASSERT_TRUE(c.write(tcp_request(1, std::string(4000, 'x')).substr(0, 400)));
    EXPECT_TRUE(c.wait_closed());
  }
  {
    TcpClient c(f.server);  // headers that never end
    ASSERT_TRUE(c.write("OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\nX-Long: " + std::string(3000, 'y')));
    EXPECT_TRUE(c.wait_closed());
  }
  EXPECT_TRUE(wait_until([&] { return f.tcp().dropped(DropReason::kTooLarge) == 2; }));
  EXPECT_EQ(f.inbox.size(), 0u);
}

TEST(SipTransportTcp, KeepAlivePingGetsPongAndLoneCrlfIsIgnored) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  ASSERT_TRUE(c.write("\r\n\r\n"));
  EXPECT_EQ(c.read(2), "\r\n");
  // A single CRLF before a message is skipped; the message still arrives.
  ASSERT_TRUE(c.write("\r\n" + tcp_request(1)));
  auto m = f.inbox.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(*call_id(m->message), "c1");
  EXPECT_EQ(f.tcp().keepalives, 1u);
  EXPECT_EQ(f.tcp().messages_sent, 0u);  // a pong is not a message
}

TEST(SipTransportTcp, IdleConnectionIsClosed) {
  ManualClock clock;
  SipTransportOptions o;
  o.tcp_idle_timeout = std::chrono::seconds(30);
  o.housekeeping_interval = std::chrono::milliseconds(5);
  TcpFixture f(o, clock);
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  ASSERT_TRUE(c.write(tcp_request(1)));
  ASSERT_TRUE(f.inbox.next());
  clock.advance(std::chrono::seconds(29));
  // Not yet idle for long enough: a ping still gets its pong.
  ASSERT_TRUE(c.write("\r\n\r\n"));
  EXPECT_EQ(c.read(2), "\r\n");
  // The pong's write completion also counts as activity and may land
  // after any one advance, so keep time moving until the sweep closes it.
  EXPECT_TRUE(wait_until([&] {
    clock.advance(std::chrono::seconds(31));
    return f.tcp().connections_idle_closed == 1;
  }));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(wait_until([&] { return f.tcp().connections_open == 0; }));
}

TEST(SipTransportTcp, ConnectionLimit) {
  SipTransportOptions o;
  o.max_tcp_connections = 2;
  TcpFixture f(o);
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient a(f.server);
  TcpClient b(f.server);
  ASSERT_TRUE(wait_until([&] { return f.tcp().connections_open == 2; }));
  TcpClient c(f.server);  // the kernel completes the handshake; the transport closes it
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(f.tcp().dropped(DropReason::kConnectionLimit), 1u);
  // The first two still work.
  ASSERT_TRUE(a.write(tcp_request(1)));
  EXPECT_TRUE(f.inbox.next());
}

TEST(SipTransportTcp, BannedSourceIsRefusedAtAccept) {
  ManualClock clock;
  SipTransportOptions o;
  o.protection.requests_per_second = 1;
  o.protection.burst = 1;
  o.protection.violations_before_ban = 1;
  TcpFixture f(o, clock);
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  ASSERT_TRUE(c.write(tcp_request(1) + tcp_request(2)));  // the second trips the ban
  ASSERT_TRUE(f.inbox.next());
  ASSERT_TRUE(wait_until([&] { return f.tcp().dropped(DropReason::kRateLimited) == 1; }));
  ASSERT_TRUE(c.write(tcp_request(3)));
  EXPECT_TRUE(c.wait_closed());  // banned mid-stream: the connection goes
  TcpClient again(f.server);
  EXPECT_TRUE(again.wait_closed());
  EXPECT_EQ(f.tcp().dropped(DropReason::kBanned), 2u);
}

TEST(SipTransportTcp, OutboundRequestOpensAndReusesAConnection) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpServer peer;
  ASSERT_TRUE(peer.ok());
  const std::string invite = tcp_request(7);
  std::promise<Status> sent;
  f.transport->send(Transport::kTcp, peer.local(), invite, [&](const Status& st) { sent.set_value(st); });
  auto conn = peer.accept();
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn->read_message(), invite);
  auto fut = sent.get_future();
  ASSERT_EQ(fut.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(fut.get());
  // The peer answers on that connection: the transport reads it too.
  auto parsed = parse_sip_message(invite, ParseLimits{});
  ASSERT_TRUE(parsed);
  const auto ok = *make_response(*parsed, 200, "OK", {.to_tag = "p"});
  ASSERT_TRUE(conn->write(ok));
  auto m = f.inbox.next();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->message.is_response());
  EXPECT_EQ(m->context.listener, MessageContext::kNoListener);
  EXPECT_EQ(m->context.source, peer.local());
  // A second request reuses the connection: no new accept.
  f.transport->send(Transport::kTcp, peer.local(), tcp_request(8));
  EXPECT_EQ(conn->read_message(), tcp_request(8));
  EXPECT_EQ(f.tcp().connections_opened, 1u);
  // Counted when the write completes, which may be after the peer read it.
  EXPECT_TRUE(wait_until([&] { return f.tcp().messages_sent == 2; }));
}

TEST(SipTransportTcp, OutboundConnectFailureIsReported) {
  TcpFixture f;
  ASSERT_TRUE(f.status) << f.status.to_string();
  Endpoint closed;
  {
    TcpServer gone;  // a port that was just free and has nobody listening now
    closed = gone.local();
  }
  std::promise<Status> sent;
  f.transport->send(Transport::kTcp, closed, tcp_request(1), [&](const Status& st) { sent.set_value(st); });
  auto fut = sent.get_future();
  ASSERT_EQ(fut.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(fut.get().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(wait_until([&] { return f.tcp().connections_open == 0; }));
}

TEST(SipTransportTcp, Ipv6Loopback) {
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback (::1) on this host";
  TcpFixture f({}, SteadyClock::instance(), "tcp:[::1]:0");
  ASSERT_TRUE(f.status) << f.status.to_string();
  TcpClient c(f.server);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.write(options_request("SIP/2.0/TCP [::1]:5099;branch=z9hG4bK-v6")));
  auto m = f.inbox.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->context.source, c.local());
  EXPECT_EQ(m->context.top_via, "SIP/2.0/TCP [::1]:5099;branch=z9hG4bK-v6");
  f.transport->reply(m->context, *make_response(m->message, 200, "OK"));
  EXPECT_TRUE(c.read_message().starts_with("SIP/2.0 200 OK"));
}

}  // namespace
}  // namespace sb::sip
