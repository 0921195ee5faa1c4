// RFC 4028 session timers: the negotiation as plain functions, then the
// B2BUA on the manual clock: 422, the peer refreshing (and not), our own
// refreshes by re-INVITE and what their answers do.
#include "control/sip/b2bua/session_timer.hpp"

#include "control/sip/builder.hpp"
#include "tests/unit/sip/b2bua/b2bua_fixture.hpp"

namespace sb::sip::b2bua::test {
namespace {

// `headers` ("Name: value\r\n" rows) added to a request from request().
std::string with_headers(std::string m, const std::string& headers) {
  m.insert(m.find("Content-Length"), headers);
  return m;
}

TimerRequest asked(const std::string& headers) {
  auto m = OwnedMessage::parse(with_headers(request("INVITE", "sip:100@127.0.0.1", "n", 1), headers));
  auto r = read_timer_request(m->message());
  EXPECT_TRUE(r.has_value()) << headers;
  return r ? *r : TimerRequest{};
}

TEST(SessionTimerNegotiation, FollowsRfc4028AsTheUas) {
  const SessionTimerPolicy ours{1800, 90};
  // The carrier asks and refreshes itself.
  auto d = negotiate_timer(ours, asked("Supported: timer\r\nSession-Expires: 1200;refresher=uac\r\n"));
  EXPECT_FALSE(d.too_small);
  EXPECT_EQ(d.interval, 1200u);
  EXPECT_FALSE(d.uas_refreshes);
  EXPECT_TRUE(d.require);
  // Longer than we like: shortened, never below the request's Min-SE. A
  // sender without timer support cannot refresh: we do.
  d = negotiate_timer(ours, asked("Session-Expires: 7200\r\n"));
  EXPECT_EQ(d.interval, 1800u);
  EXPECT_TRUE(d.uas_refreshes);
  EXPECT_FALSE(d.require);
  d = negotiate_timer(ours, asked("x: 7200\r\nMin-SE: 3600\r\n"));  // compact form
  EXPECT_EQ(d.interval, 3600u);
  // The peer may hand the refreshing to us.
  d = negotiate_timer(ours, asked("Supported: timer\r\nSession-Expires: 600;refresher=uas\r\n"));
  EXPECT_TRUE(d.uas_refreshes);
  // Below our minimum: 422.
  EXPECT_TRUE(negotiate_timer(ours, asked("Session-Expires: 60\r\n")).too_small);
  EXPECT_TRUE(negotiate_timer({1800, 600}, asked("Session-Expires: 300\r\n")).too_small);
  // Not asked: ours, refreshed by a peer that supports timers, else by us.
  d = negotiate_timer(ours, asked("Supported: timer\r\n"));
  EXPECT_EQ(d.interval, 1800u);
  EXPECT_FALSE(d.uas_refreshes);
  EXPECT_TRUE(negotiate_timer(ours, asked("")).uas_refreshes);
  // session_expires = 0: only a peer's request runs a timer.
  EXPECT_EQ(negotiate_timer({0, 90}, asked("")).interval, 0u);
  EXPECT_EQ(negotiate_timer({0, 90}, asked("Session-Expires: 4000\r\n")).interval, 4000u);
  EXPECT_TRUE(timer_headers(negotiate_timer({0, 90}, asked(""))).empty());
  const auto h = timer_headers(negotiate_timer(ours, asked("Supported: timer\r\nSession-Expires: 900\r\n")));
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"Session-Expires", "900;refresher=uac"}));
  EXPECT_EQ(h[1], (std::pair<std::string, std::string>{"Require", "timer"}));
}

TEST(SessionTimerNegotiation, BadHeadersAreErrors) {
  for (const char* bad : {"Session-Expires: soon\r\n", "Session-Expires: 1800;refresher=both\r\n",
                          "Session-Expires: 1800\r\nSession-Expires: 900\r\n", "Min-SE: -5\r\n"}) {
    auto m = OwnedMessage::parse(with_headers(request("INVITE", "sip:100@127.0.0.1", "n", 1), bad));
    ASSERT_TRUE(m.has_value()) << bad;
    EXPECT_FALSE(read_timer_request(m->message()).has_value()) << bad;
  }
}

class SessionTimerTest : public B2buaTest {
 protected:
  // An inbound call with `headers` in its INVITE, answered and ACKed;
  // returns our 200.
  std::string call_with(const std::string& call_id, CallId id, const std::string& headers) {
    in(with_headers(request("INVITE", "sip:100@127.0.0.1", call_id, 1, "", "z9hG4bK-i" + call_id, kSdp), headers));
    EXPECT_FALSE(calls_.starts.empty());
    if (calls_.starts.empty()) return "";
    b2bua_->on_call_started(calls_.starts.back().token, B2bua::Started{id, {0x7f000001, 30000}});
    const std::string ok = wire_.last("SIP/2.0 200");
    tag = tag_of(ok);
    in(request("ACK", "sip:caller@127.0.0.1:5070", call_id, 1, tag, "z9hG4bK-a" + call_id));
    return ok;
  }
  void advance(std::chrono::seconds by) {
    clock_.advance(by);
    b2bua_->on_tick(clock_.now());
  }
  // Answers our last re-INVITE to the caller with `code` (and our codec's
  // SDP answer on a 2xx).
  void answer_refresh(int code, const std::string& headers = "") {
    auto invite = OwnedMessage::parse(wire_.last("INVITE sip:caller@127.0.0.1:5070"));
    ASSERT_TRUE(invite.has_value());
    const std::string sdp_answer = "v=0\r\no=caller 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                                   "m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    std::vector<std::pair<std::string, std::string>> extra;
    std::string rows = headers;
    while (!rows.empty()) {
      const auto colon = rows.find(':'), end = rows.find("\r\n");
      extra.emplace_back(rows.substr(0, colon), rows.substr(colon + 2, end - colon - 2));
      rows.erase(0, end + 2);
    }
    std::vector<std::pair<std::string_view, std::string_view>> views(extra.begin(), extra.end());
    views.emplace_back("Contact", "<sip:caller@127.0.0.1:5070>");
    ResponseOptions o;
    o.headers = views;
    if (code < 300) {
      o.content_type = "application/sdp";
      o.body = sdp_answer;
    }
    auto bytes = make_response(invite->message(), code, code < 300 ? "OK" : "Nope", o);
    ASSERT_TRUE(bytes.has_value());
    b2bua_->on_message(*OwnedMessage::parse(*bytes), Peer{"127.0.0.1", 5070, "UDP", false});
  }
  std::size_t refreshes_sent() const {
    std::size_t n = 0;
    for (const auto& m : wire_.sent) n += m.rfind("INVITE sip:caller@127.0.0.1:5070", 0) == 0;
    return n;
  }
  std::string tag;
};

TEST_F(SessionTimerTest, TooShortAnIntervalIs422) {
  in(with_headers(request("INVITE", "sip:100@127.0.0.1", "t0", 1, "", "z9hG4bK-t0", kSdp), "Session-Expires: 60\r\n"));
  const std::string r = wire_.last("SIP/2.0 ");
  EXPECT_EQ(r.rfind("SIP/2.0 422 Session Interval Too Small", 0), 0u) << r;
  EXPECT_NE(r.find("Min-SE: 90"), std::string::npos) << r;
  EXPECT_TRUE(calls_.starts.empty());
  EXPECT_EQ(b2bua_->counters().session_intervals_too_small.load(), 1u);
  // Require: timer is an extension we serve, not a 420.
  in(with_headers(request("INVITE", "sip:100@127.0.0.1", "t00", 1, "", "z9hG4bK-t00", kSdp),
                  "Require: timer\r\nSession-Expires: 600\r\n"));
  EXPECT_EQ(calls_.starts.size(), 1u);
}

TEST_F(SessionTimerTest, ThePeerRefreshesOrTheSessionEndsBeforeItExpires) {
  const std::string ok = call_with("t1", 71, "Supported: timer\r\nSession-Expires: 300;refresher=uac\r\n");
  EXPECT_NE(ok.find("Session-Expires: 300;refresher=uac"), std::string::npos) << ok;
  EXPECT_NE(ok.find("Require: timer"), std::string::npos) << ok;
  EXPECT_NE(ok.find("Supported: timer"), std::string::npos) << ok;
  // The carrier refreshes at 150 s with a re-INVITE without SDP.
  advance(std::chrono::seconds(150));
  in(with_headers(request("INVITE", "sip:switchboard@127.0.0.1", "t1", 2, tag, "z9hG4bK-t1r"),
                  "Supported: timer\r\nSession-Expires: 300;refresher=uac\r\n"));
  const std::string refreshed = wire_.last("SIP/2.0 200");
  ASSERT_NE(refreshed.find("CSeq: 2 INVITE"), std::string::npos) << refreshed;
  EXPECT_NE(refreshed.find("Session-Expires: 300;refresher=uac"), std::string::npos) << refreshed;
  in(request("ACK", "sip:caller@127.0.0.1:5070", "t1", 2, tag, "z9hG4bK-t1ra"));
  EXPECT_EQ(b2bua_->counters().session_refreshes_by_peer.load(), 1u);
  // And by UPDATE at 400 s (250 s after the last refresh).
  advance(std::chrono::seconds(250));
  EXPECT_TRUE(wire_.last("BYE ").empty());
  in(with_headers(request("UPDATE", "sip:switchboard@127.0.0.1", "t1", 3, tag, "z9hG4bK-t1u"),
                  "Supported: timer\r\nSession-Expires: 300;refresher=uac\r\n"));
  EXPECT_NE(wire_.last("SIP/2.0 200").find("Session-Expires: 300;refresher=uac"), std::string::npos);
  EXPECT_EQ(b2bua_->counters().session_refreshes_by_peer.load(), 2u);
  // Then silence: the BYE goes min(32, 300/3) = 32 s before the expiry.
  advance(std::chrono::seconds(267));
  EXPECT_TRUE(wire_.last("BYE ").empty());
  EXPECT_TRUE(calls_.hangups.empty());
  advance(std::chrono::seconds(2));
  EXPECT_NE(wire_.last("BYE sip:caller@127.0.0.1:5070").find("Call-ID: t1"), std::string::npos);
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{71}, std::string("session-expired")));
  EXPECT_EQ(b2bua_->counters().sessions_expired.load(), 1u);
  // We never refreshed (the peer was the refresher).
  EXPECT_EQ(refreshes_sent(), 0u);
}

TEST_F(SessionTimerTest, WeRefreshByReinviteWhenThePeerCannot) {
  const std::string ok = call_with("t2", 72, "");
  EXPECT_NE(ok.find("Session-Expires: 1800;refresher=uas"), std::string::npos) << ok;
  EXPECT_EQ(ok.find("Require: timer"), std::string::npos) << ok;
  advance(std::chrono::seconds(899));
  EXPECT_EQ(refreshes_sent(), 0u);
  advance(std::chrono::seconds(1));
  ASSERT_EQ(refreshes_sent(), 1u);
  const std::string refresh = wire_.last("INVITE sip:caller@127.0.0.1:5070");
  EXPECT_NE(refresh.find("Session-Expires: 1800;refresher=uac"), std::string::npos) << refresh;
  EXPECT_NE(refresh.find("To: <sip:+15550001@127.0.0.1>;tag=caller1"), std::string::npos) << refresh;
  // Our offer: the call's current media.
  EXPECT_NE(refresh.find("m=audio 30000 RTP/AVP 0 101"), std::string::npos) << refresh;
  answer_refresh(200, "Session-Expires: 1800;refresher=uac\r\n");
  EXPECT_NE(wire_.last("ACK sip:caller@127.0.0.1:5070").find("CSeq: 1 ACK"), std::string::npos);
  EXPECT_EQ(b2bua_->counters().session_refreshes_by_us.load(), 1u);
  EXPECT_TRUE(calls_.updates.empty());  // the same media: nothing to change
  // The next refresh 900 s later; the peer says 481: the call is over.
  advance(std::chrono::seconds(900));
  ASSERT_EQ(refreshes_sent(), 2u);
  answer_refresh(481);
  EXPECT_NE(wire_.last("BYE sip:caller@127.0.0.1:5070").find("Call-ID: t2"), std::string::npos);
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{72}, std::string("session-refresh-failed")));
  EXPECT_EQ(b2bua_->counters().session_refresh_failures.load(), 1u);
}

TEST_F(SessionTimerTest, OurRefreshRetriesOn422And491AndEndsWhenUnanswered) {
  call_with("t3", 73, "Session-Expires: 600;refresher=uas\r\n");
  advance(std::chrono::seconds(300));
  ASSERT_EQ(refreshes_sent(), 1u);
  // 422: again at once with the peer's minimum.
  answer_refresh(422, "Min-SE: 900\r\n");
  ASSERT_EQ(refreshes_sent(), 2u);
  EXPECT_NE(wire_.last("INVITE sip:caller@127.0.0.1:5070").find("Session-Expires: 900;refresher=uac"), std::string::npos);
  // 491: again two seconds later.
  answer_refresh(491);
  advance(std::chrono::seconds(1));
  EXPECT_EQ(refreshes_sent(), 2u);
  advance(std::chrono::seconds(1));
  ASSERT_EQ(refreshes_sent(), 3u);
  // No answer at all: the transaction times out (64*T1) and the call ends.
  for (int i = 0; i < 40 && calls_.hangups.empty(); ++i) advance(std::chrono::seconds(1));
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{73}, std::string("session-refresh-failed")));
  EXPECT_NE(wire_.last("BYE sip:caller@127.0.0.1:5070").find("Call-ID: t3"), std::string::npos);
}

TEST_F(SessionTimerTest, NoTimerWhenNeitherSideWantsOne) {
  B2buaOptions o;
  o.trunks = {{"local", {"127.0.0.0/8"}, "", ""}};
  o.session_timer.session_expires = 0;
  b2bua_ = std::make_unique<B2bua>(clock_, o, calls_, wire_);
  const std::string ok = call_with("t4", 74, "");
  EXPECT_EQ(ok.find("Session-Expires"), std::string::npos) << ok;
  advance(std::chrono::hours(3));
  EXPECT_EQ(refreshes_sent(), 0u);
  EXPECT_TRUE(calls_.hangups.empty());
}

}  // namespace
}  // namespace sb::sip::b2bua::test
