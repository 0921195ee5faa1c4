// The media-session API of a running daemon, as an external SIP server
// would drive it: create a session, learn its local ports, relay real RTP
// between two UDP peers through it, update a leg when the far end moves,
// see DTMF on the event stream and the packets on /metrics, delete it; and
// bad requests answered with the field that is wrong.
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/integration/calls_test_support.hpp"

namespace sb {
namespace {

using test::bearer;
using test::eventually;
using test::http_request;
using test::rtp_packet;
using test::UdpPeer;

// Twenty packets each way through the session's legs on `port_a` (the
// caller's) and `port_b`: every one arrives, from the other leg's port,
// with the sender's payload.
void expect_relayed_both_ways(UdpPeer& caller, UdpPeer& agent, std::uint16_t port_a, std::uint16_t port_b) {
  for (std::uint16_t i = 0; i < 20; ++i) {
    ASSERT_TRUE(caller.send_to(port_a, rtp_packet(0, static_cast<std::uint16_t>(100 + i), 160u * i, std::vector<std::uint8_t>(160, 0x55), 0x1111)));
    ASSERT_TRUE(agent.send_to(port_b, rtp_packet(0, static_cast<std::uint16_t>(900 + i), 160u * i, std::vector<std::uint8_t>(160, 0x66), 0x2222)));
  }
  const auto at_agent = agent.drain(std::chrono::milliseconds(300));
  const auto at_caller = caller.drain(std::chrono::milliseconds(300));
  ASSERT_EQ(at_agent.size(), 20u);
  ASSERT_EQ(at_caller.size(), 20u);
  EXPECT_EQ(at_agent[0].from_port, port_b);
  EXPECT_EQ(at_caller[0].from_port, port_a);
  EXPECT_EQ(at_agent[5].bytes[12], 0x55);
  EXPECT_EQ(at_caller[5].bytes[12], 0x66);
}

class MediaApi : public test::CallsDaemon {
 protected:
  // A port range of its own, so daemons of parallel tests never meet.
  void SetUp() override { start("[dataplane]\nport_min = 13000\nport_max = 13099\nstats_interval = \"200ms\"\n"); }
};

TEST_F(MediaApi, RelaysRtpBetweenTwoPeersAndReportsDigits) {
  EXPECT_NE(daemon_->out().find("media      kernel sockets on 127.0.0.1, RTP ports 13000-13099, 1 worker"),
            std::string::npos)
      << daemon_->out();
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=media.*", bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello

  UdpPeer caller, agent;
  const std::string body = R"({"legs": [
      {"remote": "127.0.0.1:)" + std::to_string(caller.port()) + R"(", "telephone_event_pt": 101},
      {"remote": "127.0.0.1:)" + std::to_string(agent.port()) + R"("}]})";
  auto created = call("POST", "/api/v1/media/sessions", body);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto j = created.json();
  const std::string id = j["id"];
  const std::uint16_t port_a = j["legs"][0]["local_port"], port_b = j["legs"][1]["local_port"];
  EXPECT_GE(port_a, 13000);
  EXPECT_LE(port_b, 13099);
  EXPECT_EQ(j["legs"][0]["local"], "127.0.0.1:" + std::to_string(port_a));

  // Caller -> agent and back, each packet rewritten onto the leg's stream.
  ASSERT_NO_FATAL_FAILURE(expect_relayed_both_ways(caller, agent, port_a, port_b));

  // An RFC 4733 digit from the caller reaches the CTI stream.
  for (std::uint16_t k = 0; k < 4; ++k) {
    const bool end = k >= 1;
    ASSERT_TRUE(caller.send_to(port_a, rtp_packet(101, static_cast<std::uint16_t>(200 + k), 8000,
                                                  {7, static_cast<std::uint8_t>(end ? 0x8a : 0x0a), 0x03, 0x20}, 0x1111)));
  }
  std::optional<nlohmann::json> dtmf;
  for (int i = 0; i < 5 && !dtmf; ++i) {
    auto e = events.read_json(std::chrono::seconds(5));
    ASSERT_TRUE(e);
    if ((*e)["type"] == "media.dtmf") dtmf = *e;
  }
  ASSERT_TRUE(dtmf);
  EXPECT_EQ((*dtmf)["data"]["session"], id);
  EXPECT_EQ((*dtmf)["data"]["digit"], "7");
  EXPECT_EQ((*dtmf)["data"]["source"], "rfc4733");

  // The agent moves (re-INVITE): the leg is updated; media goes to the new address.
  UdpPeer agent2;
  auto moved = call("PUT", "/api/v1/media/sessions/" + id + "/legs/1",
                    R"({"remote": "127.0.0.1:)" + std::to_string(agent2.port()) + R"("})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  ASSERT_TRUE(eventually([&] {
    caller.send_to(port_a, rtp_packet(0, 300, 50000, std::vector<std::uint8_t>(160, 0x55), 0x1111));
    return !agent2.drain(std::chrono::milliseconds(50)).empty();
  }));

  auto listed = call("GET", "/api/v1/media/sessions");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json()["sessions"].size(), 1u);
  EXPECT_EQ(call("GET", "/api/v1/media/sessions/" + id).json()["legs"][1]["local_port"], port_b);

  // The workers' stats pass samples both legs: loss, jitter, MOS histograms.
  ASSERT_TRUE(eventually([&] {
    return http_request(port_, "GET", "/metrics").body.find("switchboard_dataplane_mos_count 2") != std::string::npos;
  })) << http_request(port_, "GET", "/metrics").body;
  const std::string scrape = http_request(port_, "GET", "/metrics").body;
  auto value = [&](const std::string& series) {
    const auto p = scrape.find("\n" + series + " ");
    return p == std::string::npos ? -1.0 : std::stod(scrape.substr(p + series.size() + 2));
  };
  // 20 packets each way and the digit's four (their sequence numbers jump
  // ahead, which RFC 3550 counts as expected and lost).
  EXPECT_GE(value("switchboard_dataplane_rtp_expected_packets_total"), 40) << scrape;
  EXPECT_GE(value("switchboard_dataplane_rtp_lost_packets_total"), 0);
  EXPECT_NE(scrape.find("switchboard_dataplane_jitter_seconds_bucket{le=\"0.005\"}"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_dataplane_mos_bucket{le=\"+Inf\"} 2"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_dataplane_active_sessions 1"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("switchboard_dataplane_packets_total{direction=\"rx\"}"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_dataplane_drops_total{reason=\"source_mismatch\"} 0"), std::string::npos);

  EXPECT_EQ(call("DELETE", "/api/v1/media/sessions/" + id).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/media/sessions/" + id).status, 404);
  EXPECT_TRUE(eventually([&] {
    return http_request(port_, "GET", "/metrics").body.find("switchboard_dataplane_active_sessions 0") != std::string::npos;
  }));
}

TEST_F(MediaApi, BadRequestsNameTheField) {
  auto r = call("POST", "/api/v1/media/sessions", R"({"legs": [{"remote": "127.0.0.1"}, {}]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.json()["error"]["problems"][0]["field"], "legs[0].remote") << r.body;
  r = call("POST", "/api/v1/media/sessions", R"({"legs": [{}]})");
  EXPECT_EQ(r.status, 422) << r.body;
  r = call("POST", "/api/v1/media/sessions", R"({"legs": [{"suppress_dtmf": true}, {"colour": "red"}]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("legs[0].audio"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("legs[1].colour"), std::string::npos) << r.body;
  r = call("POST", "/api/v1/media/sessions", R"({"legs": [{}, {"audio": {"payload_type": 8, "codec": "PCMA"}, "inband_dtmf": true, "telephone_event_pt": 300}]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("legs[1].telephone_event_pt"), std::string::npos) << r.body;
  EXPECT_EQ(call("POST", "/api/v1/media/sessions", "{\"legs\": [").status, 400);
  EXPECT_EQ(http_request(port_, "POST", "/api/v1/media/sessions", R"({"legs": [{}, {}]})").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/media/sessions/12345").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/media/sessions/not-a-number").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/media/sessions/99999999999999999999999").status, 404);

  // Sessions until the 50 port pairs of the range run out: 25 sessions, then 503.
  int created = 0, refused = 0;
  for (int i = 0; i < 30; ++i) {
    const int status = call("POST", "/api/v1/media/sessions", R"({"legs": [{}, {}]})").status;
    created += status == 201;
    refused += status == 503;
  }
  EXPECT_EQ(created, 25);
  EXPECT_EQ(refused, 5);
  const auto sessions = call("GET", "/api/v1/media/sessions").json()["sessions"];
  EXPECT_EQ(call("PUT", "/api/v1/media/sessions/" + sessions[0]["id"].get<std::string>() + "/legs/2", "{}").status, 404);
  // Deleted, so the drain at the end has no live media to wait for.
  for (const auto& s : sessions) EXPECT_EQ(call("DELETE", "/api/v1/media/sessions/" + s["id"].get<std::string>()).status, 200);
}

// The same relay with `socket_receive = "packet-ring"`: the workers take
// the media packets from an AF_PACKET ring (needs CAP_NET_RAW).
class MediaApiPacketRing : public test::CallsDaemon {
 protected:
  void SetUp() override {
    const int fd = ::socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
    if (fd < 0) GTEST_SKIP() << "socket_receive = \"packet-ring\" needs CAP_NET_RAW (run as root)";
    ::close(fd);
    start("[dataplane]\nport_min = 13800\nport_max = 13899\nsocket_receive = \"packet-ring\"\n");
  }
};

TEST_F(MediaApiPacketRing, RelaysRtpBetweenTwoPeers) {
  // No fall-back to epoll was logged.
  EXPECT_EQ((daemon_->out() + daemon_->err()).find("receives with epoll"), std::string::npos) << daemon_->err();
  UdpPeer caller, agent;
  auto created = call("POST", "/api/v1/media/sessions",
                      R"({"legs": [{"remote": "127.0.0.1:)" + std::to_string(caller.port()) +
                          R"("}, {"remote": "127.0.0.1:)" + std::to_string(agent.port()) + R"("}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto j = created.json();
  const std::uint16_t port_a = j["legs"][0]["local_port"], port_b = j["legs"][1]["local_port"];
  ASSERT_NO_FATAL_FAILURE(expect_relayed_both_ways(caller, agent, port_a, port_b));
  EXPECT_EQ(call("DELETE", "/api/v1/media/sessions/" + j["id"].get<std::string>()).status, 200);
}

}  // namespace
}  // namespace sb
