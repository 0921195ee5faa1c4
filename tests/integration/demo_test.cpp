// The README's first command, end to end: a short `switchboard demo` run in
// a scratch directory. Its simulated callers answer the IVR with in-band
// DTMF, wait in queue and talk to simulated agents that answer through the
// API; the run checks itself (digits pressed against detected, calls
// answered against the ACD and /metrics, recordings against calls) and this
// test checks the summary and the recordings it left: valid stereo WAVs,
// the caller on the left and the agent on the right, with metadata naming
// the call, queue and agent.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "common/audio_file.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

double rms(const std::vector<std::int16_t>& x) {
  double s = 0;
  for (auto v : x) s += static_cast<double>(v) * v;
  return x.empty() ? 0 : std::sqrt(s / static_cast<double>(x.size()));
}

// Energy at `freq` (Goertzel), relative to the channel's total energy.
double tone_share(const std::vector<std::int16_t>& x, double freq) {
  const double w = 2 * M_PI * freq / 8000, coeff = 2 * std::cos(w);
  double s1 = 0, s2 = 0, total = 0;
  for (auto v : x) {
    const double s0 = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    total += static_cast<double>(v) * v;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return total > 0 ? power / (total * static_cast<double>(x.size()) / 2) : 0;
}

TEST(Demo, ShortRunRoutesCallsThroughIvrQueueAndAgentsAndChecksItself) {
  test::TempDir dir;
  const std::uint16_t port = free_tcp_port();
  ASSERT_NE(port, 0);
  const std::string cmd = "cd " + dir.path() + " && exec " + test::switchboard_binary() +
                          " demo --json --duration 12 --calls-per-second 1 --talk-seconds 2 --patience-seconds 60"
                          " --api-port " + std::to_string(port);
  const auto r = test::run({"sh", "-c", cmd}, std::chrono::seconds(150));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The JSON summary is the last thing on stdout.
  const auto brace = r.out.rfind("\n{");
  ASSERT_NE(brace, std::string::npos) << r.out;
  const auto s = nlohmann::json::parse(r.out.substr(brace + 1), nullptr, false);
  ASSERT_FALSE(s.is_discarded()) << r.out;
  EXPECT_TRUE(s["ok"].get<bool>()) << s.dump(2);
  const int placed = s["calls_placed"], talked = s["talked_to_agent"];
  EXPECT_GE(placed, 4) << s.dump(2);
  EXPECT_GE(talked, 1) << s.dump(2);
  EXPECT_EQ(s["digits_pressed"], s["digits_detected_inband"]);
  EXPECT_GE(s["digits_pressed"].get<int>(), placed - s["ended_in_ivr"].get<int>() - s["abandoned"].get<int>());
  EXPECT_EQ(s["acd_answered"].get<int>(), talked);
  EXPECT_EQ(s["metrics_calls_started"].get<double>(), placed);
  EXPECT_EQ(s["recordings"].get<int>(), talked);

  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("var/recordings"))) {
    if (e.path().extension() != ".wav") continue;
    SCOPED_TRACE(e.path().string());
    // No .part left behind, and the sidecar names this call.
    EXPECT_FALSE(std::filesystem::exists(e.path().string() + ".part"));
    std::ifstream side(std::filesystem::path(e.path()).replace_extension(".json"));
    const auto meta = nlohmann::json::parse(side, nullptr, false);
    ASSERT_FALSE(meta.is_discarded());
    // call-<UTC start>-<call id>.wav: unique across daemon restarts.
    EXPECT_TRUE(std::regex_match(e.path().filename().string(),
                                 std::regex("call-[0-9]{8}T[0-9]{6}Z-" + std::to_string(meta["call_id"].get<int>()) + "\\.wav")))
        << e.path().filename();
    EXPECT_FALSE(meta["queue"].get<std::string>().empty());
    EXPECT_FALSE(meta["agent"].get<std::string>().empty());
    EXPECT_EQ(meta["recording"]["status"], "complete");
    EXPECT_EQ(meta["recording"]["channels"], 2);

    auto clip = read_audio_file(e.path().string());
    ASSERT_TRUE(clip) << clip.status().to_string();
    EXPECT_EQ(clip->channels, 2);
    EXPECT_EQ(clip->sample_rate, 8000);
    ASSERT_GT(clip->frames(), 8000u / 2) << "under half a second";
    // The simulated caller talks at 440 Hz (left), the agent at 1 kHz
    // (right): each channel carries its own party's tone and not the other's.
    const auto left = clip->channel(0), right = clip->channel(1);
    EXPECT_GT(rms(left), 300);
    EXPECT_GT(rms(right), 300);
    EXPECT_GT(tone_share(left, 440), 0.5);
    EXPECT_LT(tone_share(left, 1000), 0.05);
    EXPECT_GT(tone_share(right, 1000), 0.5);
    EXPECT_LT(tone_share(right, 440), 0.05);
    ++checked;
  }
  EXPECT_EQ(checked, talked);
}

}  // namespace
}  // namespace sb
