// Calls the B2BUA places (callbacks) against a real dialled party: a
// baresip softphone (Debian package baresip) that auto-answers with a
// tone, reached over real UDP sockets as the outbound trunk. The B2BUA
// runs in the test with its production code path (place_outbound, the
// transaction layer, SDP offer/answer); the test carries its datagrams and
// stands in for call control, which does not place callbacks yet. Checked:
// the INVITE is answered, the ACK sent, the answer's media address is
// where the phone's RTP comes from and that RTP carries its tone; our BYE
// ends the dialog; a number the phone does not serve fails with its 404.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codecs/g711.hpp"
#include "common/clock.hpp"
#include "control/sip/b2bua/b2bua.hpp"
#include "tests/support/baresip.hpp"
#include "tests/support/process.hpp"
#include "tests/support/udp.hpp"

namespace sb {
namespace {

using namespace sip;
using namespace sip::b2bua;

// What call control would hear from the B2BUA about calls it placed.
struct OutboundOutcomes final : CallPort {
  std::vector<std::pair<CallId, dataplane::Endpoint>> answered;
  std::vector<std::pair<CallId, std::string>> failed;
  void start_call(std::uint64_t, const calls::InboundCall&) override {}
  void hangup(CallId, const std::string&) override {}
  void answer(CallId, const std::string&, dataplane::Endpoint) override {}
  void reject_offer(CallId, const std::string&, const std::string&) override {}
  void digit(CallId, char) override {}
  void update_media(CallId, int, dataplane::Endpoint, bool) override {}
  void transfer(CallId, const calls::TransferTarget&, const std::string&) override {}
  void outbound_answered(CallId call, dataplane::Endpoint media) override { answered.emplace_back(call, media); }
  void outbound_failed(CallId call, const std::string& why) override { failed.emplace_back(call, why); }
  // No registrar use here: nothing lapses.
  void logout_agent(const std::string& agent, const std::string&) override { ADD_FAILURE() << "logout " << agent; }
};

// The B2BUA's SIP socket: what it sends goes out over UDP; what arrives is
// parsed and handed to it, with its timers run, by pump().
class UdpWire final : public WireSink {
 public:
  void send(const Peer& to, std::string bytes) override {
    std::uint32_t ip = 0;
    if (inet_pton(AF_INET, to.host.c_str(), &ip) != 1) return;
    socket_.send_to(to.port, std::vector<std::uint8_t>(bytes.begin(), bytes.end()), ntohl(ip));
  }
  std::uint16_t port() const { return socket_.port(); }
  // Feeds `b2bua` until `done` holds or `limit` passes.
  template <typename Done>
  bool pump(B2bua& b2bua, const Clock& clock, Done done, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      if (auto d = socket_.receive(std::chrono::milliseconds(20))) {
        auto m = OwnedMessage::parse(std::string(d->bytes.begin(), d->bytes.end()));
        char host[INET_ADDRSTRLEN];
        const std::uint32_t ip = htonl(d->from_ip);
        inet_ntop(AF_INET, &ip, host, sizeof host);
        if (m) b2bua.on_message(std::move(*m), Peer{host, d->from_port, "UDP", false});
      }
      b2bua.on_tick(clock.now());
    }
    return true;
  }

 private:
  test::UdpPeer socket_;
};

class SipOutbound : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_baresip()) GTEST_SKIP() << "baresip is not installed (Debian package baresip)";
    const auto ports = test::spaced_free_ports(2);
    // The dialled party: its AOR user is the number it answers.
    phone_.emplace(dir_.file("dialled"),
                   test::BaresipOptions{"127.0.0.1", ports[0], ports[1], kPhoneHz,
                                        "<sip:15550199@127.0.0.1>;regint=0;answermode=auto"});
    ASSERT_TRUE(test::wait_udp_bound(ports[0], std::chrono::seconds(10))) << phone_->err();
    B2buaOptions o;
    o.sip_host = "127.0.0.1";
    o.udp_port = wire_.port();
    o.media_address = "127.0.0.1";
    o.outbound = OutboundTrunk{Peer{"127.0.0.1", ports[0], "UDP", false}, "", "", "5550100", ""};
    b2bua_.emplace(clock_, o, outcomes_, wire_);
  }
  void TearDown() override {
    if (phone_) phone_->stop(SIGTERM);
  }
  void place(CallId id, const std::string& number) {
    b2bua_->place_outbound({id, number, "100", {0x7f000001, media_.port()}, codecs::CodecId::kPcmu, 0, 101});
  }

  static constexpr int kPhoneHz = 700;
  test::TempDir dir_;
  SteadyClock clock_;
  OutboundOutcomes outcomes_;
  UdpWire wire_;
  test::UdpPeer media_;  // our RTP port for the leg, as call control would give it
  std::optional<test::Baresip> phone_;
  std::optional<B2bua> b2bua_;
};

TEST_F(SipOutbound, DialledPhoneAnswersSendsItsToneAndIsHungUp) {
  place(91, "15550199");
  ASSERT_TRUE(wire_.pump(*b2bua_, clock_, [&] { return !outcomes_.answered.empty() || !outcomes_.failed.empty(); },
                         std::chrono::seconds(15)))
      << phone_->out();
  ASSERT_EQ(outcomes_.answered.size(), 1u) << (outcomes_.failed.empty() ? "" : outcomes_.failed[0].second) << phone_->out();
  EXPECT_EQ(outcomes_.answered[0].first, 91u);
  const dataplane::Endpoint remote = outcomes_.answered[0].second;
  EXPECT_EQ(remote.ip, 0x7f000001u);
  // The phone saw our INVITE (presenting the trunk's caller id) and our ACK.
  EXPECT_TRUE(wire_.pump(*b2bua_, clock_, [&] { return phone_->out().find("ACK sip:") != std::string::npos; },
                         std::chrono::seconds(5)))
      << phone_->out();
  EXPECT_NE(phone_->out().find("From: \"5550100\" <sip:5550100@switchboard.local>"), std::string::npos) << phone_->out();

  // Its RTP comes from the address its answer named, in PCMU, carrying its tone.
  std::vector<std::int16_t> heard;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (heard.size() < 8000 && std::chrono::steady_clock::now() < until) {
    auto d = media_.receive(std::chrono::milliseconds(100));
    if (!d || d->bytes.size() <= 12 || (d->bytes[1] & 0x7f) != 0) continue;
    EXPECT_EQ(d->from_port, remote.port);
    EXPECT_EQ(d->from_ip, remote.ip);
    const std::size_t n = d->bytes.size() - 12;
    const std::size_t at = heard.size();
    heard.resize(at + n);
    codecs::g711::ulaw_decode(d->bytes.data() + 12, n, heard.data() + at);
  }
  ASSERT_GE(heard.size(), 8000u) << "a second of the phone's audio did not arrive";
  const double hz = test::dominant_frequency(heard, 8000);
  EXPECT_GT(hz, kPhoneHz * 0.9);
  EXPECT_LT(hz, kPhoneHz * 1.1);

  // Call control ends the call: the session is gone, the phone gets our
  // BYE and answers it.
  b2bua_->on_call_ended(91, "completed", "agent");
  EXPECT_EQ(b2bua_->sessions(), 0u);
  const auto bye_answered = [&] {
    const std::string out = phone_->out();
    const auto bye = out.find("BYE sip:");
    return bye != std::string::npos && out.find("SIP/2.0 200 OK", bye) != std::string::npos;
  };
  EXPECT_TRUE(wire_.pump(*b2bua_, clock_, bye_answered, std::chrono::seconds(10))) << phone_->out();
}

TEST_F(SipOutbound, NumberThePhoneDoesNotServeFails) {
  place(92, "15550111");
  ASSERT_TRUE(wire_.pump(*b2bua_, clock_, [&] { return !outcomes_.answered.empty() || !outcomes_.failed.empty(); },
                         std::chrono::seconds(15)))
      << phone_->out();
  ASSERT_EQ(outcomes_.failed.size(), 1u) << phone_->out();
  EXPECT_EQ(outcomes_.failed[0].first, 92u);
  EXPECT_EQ(outcomes_.failed[0].second.rfind("404", 0), 0u) << outcomes_.failed[0].second;
  EXPECT_TRUE(wire_.pump(*b2bua_, clock_, [&] { return b2bua_->sessions() == 0; }, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace sb
