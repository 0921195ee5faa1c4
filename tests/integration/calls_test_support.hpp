// What the call-control integration tests share: a daemon started with a
// call config, the API called with the test token, RTP packets built and
// heard on real loopback sockets.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/rtp/rtp.hpp"
#include "tests/integration/daemon_harness.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/udp.hpp"

namespace sb::test {

inline std::vector<std::uint8_t> rtp_packet(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts,
                                            std::vector<std::uint8_t> payload, std::uint32_t ssrc = 0xCA11) {
  std::vector<std::uint8_t> b(12);
  rtp::write_rtp_header(b.data(), false, pt, seq, ts, ssrc);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline std::uint16_t port_of(const nlohmann::json& endpoint) {
  const std::string s = endpoint.get<std::string>();
  return static_cast<std::uint16_t>(std::stoi(s.substr(s.rfind(':') + 1)));
}

// What a socket heard: packets whose payload is one byte repeated (the
// test peers' "voices"), by that byte, and everything else (prompts, music).
struct Heard {
  std::map<std::uint8_t, std::size_t> voice;
  std::size_t other = 0;
  std::size_t total = 0;
  std::size_t of(std::uint8_t fill) const {
    const auto it = voice.find(fill);
    return it == voice.end() ? 0 : it->second;
  }
};

inline Heard classify(const std::vector<UdpPeer::Datagram>& packets) {
  Heard h;
  for (const auto& d : packets) {
    if (d.bytes.size() <= 12) continue;
    ++h.total;
    const std::uint8_t first = d.bytes[12];
    bool same = true;
    for (std::size_t i = 12; i < d.bytes.size() && same; ++i) same = d.bytes[i] == first;
    if (same) ++h.voice[first];
    else ++h.other;
  }
  return h;
}

// A menu "main" whose one node waits in queue "sales".
inline constexpr const char* kMainWaitsInSales =
    "[ivr.menus.main]\nentry = \"wait\"\n[ivr.menus.main.nodes.wait]\ntype = \"queue\"\nqueue = \"sales\"\n";

// What the call tests' configs share: the IVR's entry menu, a [dataplane]
// port range of the test file's own (so daemons of tests that run in
// parallel never take each other's ports), skill "english", queue "sales"
// and agent a1 (english 5, in "sales"). The rest is each test's own TOML.
class CallConfig {
 public:
  CallConfig(int port_min, int port_max) : port_min_(port_min), port_max_(port_max) {}
  CallConfig& entry_menu(std::string name) { return set(entry_menu_, std::move(name)); }
  CallConfig& menus(std::string toml) { return set(menus_, std::move(toml)); }  // [ivr.menus.*] tables
  CallConfig& sales(std::string settings) { return set(sales_, std::move(settings)); }
  CallConfig& more_queues(std::string toml) { return set(more_queues_, std::move(toml)); }  // [[acd.queues]]
  CallConfig& more_agents(std::string toml) { return set(more_agents_, std::move(toml)); }  // [[acd.agents]]

  std::string toml() const {
    return "[ivr]\nentry_menu = \"" + entry_menu_ + "\"\n[dataplane]\nport_min = " + std::to_string(port_min_) +
           "\nport_max = " + std::to_string(port_max_) + "\n" + menus_ +
           "[acd]\nskills = [\"english\"]\n[[acd.queues]]\nname = \"sales\"\n" + sales_ + more_queues_ +
           "[[acd.agents]]\nid = \"a1\"\nskills = { english = 5 }\nqueues = [\"sales\"]\n" + more_agents_;
  }

 private:
  CallConfig& set(std::string& field, std::string value) {
    field = std::move(value);
    return *this;
  }
  int port_min_, port_max_;
  std::string entry_menu_ = "main";
  std::string menus_ = kMainWaitsInSales;
  std::string sales_, more_queues_, more_agents_;
};


// A daemon with `call_config` appended to the harness's config.
class CallsDaemon : public ::testing::Test {
 protected:
  void start(const std::string& call_config) {
    write_config(call_config);
    daemon_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{switchboard_binary(), "run", "--config", dir_.file("switchboard.toml")});
    port_ = port_from_banner(*daemon_);
    ASSERT_NE(port_, 0) << daemon_->out() << daemon_->err();
    ASSERT_TRUE(daemon_->wait_for_line("ready (pid")) << daemon_->out();
  }
  // (Re)writes the config file; a SIGHUP makes a running daemon read it.
  void write_config(const std::string& call_config) {
    write_file(dir_.file("switchboard.toml"), daemon_config(dir_, "info", dir_.file("rec")) + call_config);
  }
  void TearDown() override {
    if (!daemon_) return;
    daemon_->signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(), 0) << daemon_->err();
  }
  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(port_, method, path, body, body.empty() ? bearer(kToken) : json_with(kToken));
  }
  std::string state_of(const std::string& call_path) { return call("GET", call_path).json()["state"]; }

  // A call placed through the API: id 0 (and a failure) unless it got 201.
  struct Placed {
    int id = 0;
    std::string path;         // /api/v1/calls/<id>
    std::uint16_t media = 0;  // the daemon's port for the caller's RTP
  };
  // POST /api/v1/calls from `caller`, whose RTP is at 127.0.0.1:`rtp_port`,
  // into `menu` (the IVR's entry menu when empty).
  Placed place_call(const std::string& caller, std::uint16_t rtp_port, const std::string& menu = "") {
    nlohmann::json body = {{"caller", caller}, {"media", "127.0.0.1:" + std::to_string(rtp_port)}};
    if (!menu.empty()) body["menu"] = menu;
    const auto placed = call("POST", "/api/v1/calls", body.dump());
    EXPECT_EQ(placed.status, 201) << placed.body;
    if (placed.status != 201) return {};
    const int id = placed.json()["call_id"];
    return {id, "/api/v1/calls/" + std::to_string(id), port_of(placed.json()["media"])};
  }
  // The call's history entries of kind `event`, or every entry's kind.
  std::vector<nlohmann::json> history_of(const std::string& call_path, const std::string& event) {
    std::vector<nlohmann::json> out;
    const auto shown = call("GET", call_path).json();  // outlives the loop
    for (const auto& h : shown["history"])
      if (h["event"] == event) out.push_back(h);
    return out;
  }
  std::vector<std::string> history_events(const std::string& call_path) {
    std::vector<std::string> out;
    const auto shown = call("GET", call_path).json();
    for (const auto& h : shown["history"]) out.push_back(h["event"]);
    return out;
  }
  void log_in_ready(const std::string& agent) {
    EXPECT_EQ(call("POST", "/api/v1/agents/" + agent + "/login").status, 202) << agent;
    EXPECT_EQ(call("POST", "/api/v1/agents/" + agent + "/ready").status, 202) << agent;
  }

  TempDir dir_;
  std::unique_ptr<BackgroundProcess> daemon_;
  std::uint16_t port_ = 0;
};

}  // namespace sb::test
