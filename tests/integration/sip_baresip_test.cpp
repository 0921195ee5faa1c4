// SIP end to end with real softphones: two baresip user agents (Debian
// package baresip), one the caller, one agent 1001's phone, against
// `switchboard run`. The agent registers with Digest and auto-answers; the
// caller dials a DID, presses 1 (RFC 4733), waits in the queue, is
// connected to the agent, both send a tone, the recording holds both;
// the caller hangs up and the agent's phone gets the BYE.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/daemon_harness.hpp"
#include "tests/support/http_client.hpp"

namespace sb {
namespace {

using test::BackgroundProcess;
using test::bearer;
using test::http_request;
using test::json_with;
using test::TempDir;

std::uint16_t free_port(int type) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// One command over baresip's ctrl_tcp module (netstring-framed JSON).
bool baresip_command(std::uint16_t port, const std::string& command, const std::string& params) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = false;
  for (int i = 0; i < 50 && !ok; ++i) {
    ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (ok) {
    const std::string json = R"({"command":")" + command + R"(","params":")" + params + R"(","token":"t"})";
    const std::string ns = std::to_string(json.size()) + ":" + json + ",";
    ok = ::write(fd, ns.data(), ns.size()) == static_cast<ssize_t>(ns.size());
    char buf[512];
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)::read(fd, buf, sizeof buf);  // the response; its content is not needed
  }
  ::close(fd);
  return ok;
}

std::string baresip_config(std::uint16_t sip_port, std::uint16_t ctrl_port, int tone_hz) {
  return "sip_listen 127.0.0.1:" + std::to_string(sip_port) + "\nnet_interface 127.0.0.1\n" +
         // Clear of the media port ranges the other daemon tests use.
         "rtp_ports 46000-46999\n" +
         "audio_source ausine," + std::to_string(tone_hz) + "\n"
         // ausine produces 48 kHz stereo only; baresip resamples to G.711.
         "ausrc_srate 48000\nausrc_channels 2\n"
         "audio_player aubridge,sink\n"
         "audio_alert aubridge,sink\n"
         "module_path /usr/lib/baresip/modules\n"
         "module g711.so\nmodule ausine.so\nmodule aubridge.so\n"
         "module_app account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\n"
         "ctrl_tcp_listen 127.0.0.1:" + std::to_string(ctrl_port) + "\n";
}

// Mean absolute sample of each channel of a 16-bit stereo WAV.
std::pair<double, double> channel_levels(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto at = data.find("data");
  if (at == std::string::npos) return {0, 0};
  double l = 0, r = 0;
  std::size_t n = 0;
  for (std::size_t i = at + 8; i + 4 <= data.size(); i += 4, ++n) {
    std::int16_t a, b;
    std::memcpy(&a, data.data() + i, 2);
    std::memcpy(&b, data.data() + i + 2, 2);
    l += std::abs(a);
    r += std::abs(b);
  }
  return n ? std::make_pair(l / n, r / n) : std::make_pair(0.0, 0.0);
}

TEST(SipBaresip, CallerReachesAgentThroughIvrAndQueue) {
  if (!test::have_program("baresip") || !std::filesystem::exists("/usr/lib/baresip/modules/ctrl_tcp.so"))
    GTEST_SKIP() << "baresip is not installed (Debian package baresip)";
  TempDir dir;
  // baresip also binds TCP and TLS next to its SIP port: keep every port
  // at least 3 away from the others.
  std::vector<std::uint16_t> ports;
  auto bindable = [](std::uint16_t port, int type) {
    const int fd = ::socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  };
  while (ports.size() < 5) {
    const std::uint16_t p = free_port(SOCK_STREAM);
    // The port itself for UDP and TCP, the next one for baresip's TLS.
    bool near = p > 65530 || !bindable(p, SOCK_DGRAM) || !bindable(static_cast<std::uint16_t>(p + 1), SOCK_STREAM);
    for (auto q : ports) near = near || (p > q ? p - q : q - p) < 3;
    if (!near) ports.push_back(p);
  }
  const std::uint16_t sip = ports[0], agent_sip = ports[1], caller_sip = ports[2];
  const std::uint16_t agent_ctrl = ports[3], caller_ctrl = ports[4];
  const std::string cfg = dir.file("sb.toml");
  test::write_file(cfg,
                   "[server]\nstate_dir = \"" + dir.file("var") + "\"\ndrain_timeout = \"10s\"\n"
                   "[logging]\nlevel = \"info\"\n"
                   "[api]\nport = 0\n[[api.tokens]]\nname = \"ops\"\ntoken = \"" + test::kToken + "\"\n"
                   "[recordings]\ndirectory = \"" + dir.file("rec") + "\"\n"
                   "[dataplane]\nport_min = 37000\nport_max = 37099\n"
                   "[sip]\nlisten = [\"udp:127.0.0.1:" + std::to_string(sip) + "\"]\n"
                   "dids = { \"100\" = \"m\" }\n"
                   // Debian 12's baresip (libre 1.x) refuses a challenge set naming SHA-256.
                   "digest_algorithms = [\"MD5\"]\n"
                   "[[sip.agents]]\nid = \"1001\"\npassword = \"password-1001\"\n"
                   "[ivr.prompts]\nhi.en = \"press one\"\n"
                   "[ivr.menus.m]\nentry = \"a\"\n"
                   "[ivr.menus.m.nodes.a]\ntype = \"collect\"\nprompts = [\"hi\"]\nmax_digits = 1\n"
                   "first_digit_timeout = \"30s\"\nbranches = [{ match = \"1\", next = \"q\" }]\non_failure = \"q\"\n"
                   "[ivr.menus.m.nodes.q]\ntype = \"queue\"\nqueue = \"sales\"\n"
                   "[acd]\nskills = [\"s\"]\n"
                   "[[acd.queues]]\nname = \"sales\"\nstrategy = \"longest-idle\"\nwrap_up_seconds = 60\n"
                   "requires = { s = 1 }\n"
                   "[[acd.agents]]\nid = \"1001\"\nname = \"Alice\"\nskills = { s = 5 }\nqueues = [\"sales\"]\n");
  BackgroundProcess sb({test::switchboard_binary(), "run", "--config", cfg});
  const std::uint16_t api = test::port_from_banner(sb);
  ASSERT_NE(api, 0) << sb.out() << sb.err();
  ASSERT_TRUE(sb.wait_for_line("ready (pid")) << sb.out() << sb.err();
  ASSERT_NE(sb.out().find("sip        udp:127.0.0.1:" + std::to_string(sip)), std::string::npos) << sb.out();
  auto call_api = [&](const std::string& method, const std::string& path) {
    return http_request(api, method, path, method == "POST" ? "{}" : "",
                        method == "POST" ? json_with(test::kToken) : bearer(test::kToken));
  };

  const std::string sip_host = "127.0.0.1:" + std::to_string(sip);
  std::filesystem::create_directories(dir.file("agent"));
  std::filesystem::create_directories(dir.file("caller"));
  test::write_file(dir.file("agent/config"), baresip_config(agent_sip, agent_ctrl, 440));
  test::write_file(dir.file("agent/accounts"), "<sip:1001@" + sip_host + ">;auth_pass=password-1001;answermode=auto;regint=300\n");
  test::write_file(dir.file("caller/config"), baresip_config(caller_sip, caller_ctrl, 1000));
  test::write_file(dir.file("caller/accounts"), "<sip:5550100@" + sip_host + ">;regint=0\n");
  BackgroundProcess agent({"baresip", "-f", dir.file("agent"), "-s"});
  BackgroundProcess caller({"baresip", "-f", dir.file("caller"), "-s"});

  // The agent's phone registers; the agent logs in and is ready.
  ASSERT_TRUE(test::eventually(
      [&] { return http_request(api, "GET", "/metrics").body.find("switchboard_sip_registrations_active 1") != std::string::npos; },
      std::chrono::seconds(20)))
      << agent.out() << agent.err() << sb.err();
  EXPECT_EQ(call_api("POST", "/api/v1/agents/1001/login").status, 202);
  EXPECT_EQ(call_api("POST", "/api/v1/agents/1001/ready").status, 202);

  ASSERT_TRUE(baresip_command(caller_ctrl, "dial", "sip:100@" + sip_host));
  std::uint64_t id = 0;
  std::string last;
  ASSERT_TRUE(test::eventually(
      [&] {
        const auto r = call_api("GET", "/api/v1/calls");
        last = std::to_string(r.status) + " " + r.body;
        const auto j = r.json();
        if (!j.is_object() || !j.contains("calls")) return false;
        const auto calls = j["calls"];
        if (calls.empty()) return false;
        id = calls[0]["id"];
        return calls[0]["state"] == "ivr";
      },
      std::chrono::seconds(20)))
      << last << caller.out() << sb.err();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the prompt starts
  ASSERT_TRUE(baresip_command(caller_ctrl, "sndcode", "1"));

  const std::string path = "/api/v1/calls/" + std::to_string(id);
  auto state_is = [&](const char* want) {
    const auto j = call_api("GET", path).json();
    return j.is_object() && j.value("state", "") == want;
  };
  ASSERT_TRUE(test::eventually([&] { return state_is("talking"); }, std::chrono::seconds(30)))
      << call_api("GET", path).body << agent.out() << sb.err();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // both tones flow and are recorded

  ASSERT_TRUE(baresip_command(caller_ctrl, "hangup", ""));
  ASSERT_TRUE(test::eventually([&] { return state_is("ended"); }, std::chrono::seconds(20)));
  const auto shown = call_api("GET", path).json();
  EXPECT_EQ(shown["end_reason"], "completed") << shown.dump(1);
  const std::string history = shown["history"].dump();
  for (const char* want : {"\"source\":\"rfc4733\"", "\"event\":\"queued\"", "\"event\":\"offered\"", "\"event\":\"answered\"",
                           "\"state\":\"talking\"", "\"by\":\"caller\""})
    EXPECT_NE(history.find(want), std::string::npos) << want << " missing in " << shown.dump(1);

  // The agent's phone got the BYE; the agent is in wrap-up.
  EXPECT_TRUE(test::eventually([&] { return agent.out().find("BYE sip:") != std::string::npos; }, std::chrono::seconds(10)))
      << agent.out();
  EXPECT_TRUE(test::eventually(
      [&] { return call_api("GET", "/api/v1/agents/1001").body.find("after") != std::string::npos; }, std::chrono::seconds(10)))
      << call_api("GET", "/api/v1/agents/1001").body;
  EXPECT_TRUE(test::eventually(
      [&] { return http_request(api, "GET", "/metrics").body.find("switchboard_sip_dialogs_active 0") != std::string::npos; }));

  // The recording: caller left, agent right, both carrying their tone.
  std::string wav;
  ASSERT_TRUE(test::eventually([&] {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.file("rec")))
      if (const std::string name = e.path().filename().string();  // call-<UTC start>-<id>.wav
          e.path().extension() == ".wav" && name.rfind("call-", 0) == 0 &&
          name.size() > std::to_string(id).size() + 5 &&
          name.compare(name.size() - std::to_string(id).size() - 5, std::string::npos, "-" + std::to_string(id) + ".wav") == 0)
        wav = e.path().string();
    return !wav.empty();
  }, std::chrono::seconds(10)));
  const auto [left, right] = channel_levels(wav);
  EXPECT_GT(left, 100) << wav;
  EXPECT_GT(right, 100) << wav;

  agent.signal(SIGTERM);
  caller.signal(SIGTERM);
  sb.signal(SIGTERM);
  EXPECT_EQ(sb.wait_exit(), 0) << sb.err();
}

}  // namespace
}  // namespace sb
