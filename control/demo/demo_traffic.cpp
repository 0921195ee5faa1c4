#include "control/demo/demo_traffic.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "codecs/g711.hpp"
#include "control/demo/api_client.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "ivr/tones.hpp"

namespace sb::demo {

namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

constexpr auto kFrame = std::chrono::milliseconds(20);
// A prompt has ended when nothing came for this long after audio did.
constexpr auto kPromptGap = std::chrono::milliseconds(400);
constexpr auto kPollEvery = std::chrono::milliseconds(250);
// Calls still up this long after the traffic stopped are hung up.
constexpr auto kFinishGrace = std::chrono::seconds(30);

// A UDP socket on 127.0.0.1 that sends µ-law RTP to one address.
class RtpPeer {
 public:
  RtpPeer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port_ = ntohs(a.sin_port);
    ssrc_ = static_cast<std::uint32_t>(std::random_device{}());
  }
  ~RtpPeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  RtpPeer(const RtpPeer&) = delete;
  RtpPeer& operator=(const RtpPeer&) = delete;

  bool ok() const { return fd_ >= 0 && port_ != 0; }
  std::uint16_t port() const { return port_; }
  void target(std::uint16_t port) { target_port_ = port; }
  std::uint16_t target() const { return target_port_; }

  void send(const std::int16_t (&pcm)[160]) {
    if (target_port_ == 0) return;
    std::uint8_t packet[12 + 160];
    rtp::write_rtp_header(packet, seq_ == 0, 0, seq_, ts_, ssrc_);
    codecs::g711::ulaw_encode(pcm, 160, packet + 12);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(target_port_);
    (void)::sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    ++seq_;
    ts_ += 160;
  }
  // Datagrams waiting; returns how many.
  int drain() {
    std::uint8_t buf[2048];
    int n = 0;
    while (::recv(fd_, buf, sizeof buf, 0) > 0) ++n;
    return n;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t target_port_ = 0;
  std::uint16_t seq_ = 0;
  std::uint32_t ts_ = 0;
  std::uint32_t ssrc_ = 0;
};

std::uint16_t port_of(const nlohmann::json& endpoint) {
  if (!endpoint.is_string()) return 0;
  const std::string s = endpoint.get<std::string>();
  const auto colon = s.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::atoi(s.c_str() + colon + 1));
}

void tone_frame(std::int16_t (&out)[160], double freq, double amplitude, std::uint64_t& phase) {
  for (int i = 0; i < 160; ++i, ++phase) out[i] = static_cast<std::int16_t>(amplitude * std::sin(2 * M_PI * freq * static_cast<double>(phase) / 8000));
}

struct Caller {
  std::int64_t call_id = 0;
  std::string number;
  std::unique_ptr<RtpPeer> rtp = std::make_unique<RtpPeer>();
  std::vector<std::string> script;       // digit strings, one per prompt that waits for input
  std::size_t next_entry = 0;
  std::unique_ptr<ivr::DtmfGenerator> dtmf;
  bool pressing = false;
  bool heard_since_press = false;
  Clock::time_point last_rx{};
  Clock::time_point patience_until{};
  std::optional<Clock::time_point> talk_until;
  std::string state = "ivr";
  std::string agent;
  std::uint64_t phase = 0;
  int digits_pressed = 0;
  bool hung_up = false;
};

struct Agent {
  std::string id;
  std::unique_ptr<RtpPeer> rtp = std::make_unique<RtpPeer>();
  std::optional<std::int64_t> call;              // the call it talks on
  std::optional<Clock::time_point> answer_at;    // ringing: when it picks up
  std::int64_t ringing_call = 0;
  std::optional<Clock::time_point> end_wrap_up_at;
  std::uint64_t phase = 0;
  int answered = 0;
};

std::string read_token(const std::string& path) {
  std::ifstream f(path);
  std::string token;
  std::getline(f, token);
  return token;
}

}  // namespace

nlohmann::json run_traffic(const TrafficOptions& opt, const std::function<bool()>& stop_requested) {
  nlohmann::json summary = {{"ok", false}};
  std::vector<std::string> problems;
  std::mt19937_64 rng(opt.seed);
  std::exponential_distribution<double> talk(1.0 / std::max(0.5, opt.talk_seconds));
  std::exponential_distribution<double> patience(1.0 / std::max(1.0, opt.patience_seconds));
  std::exponential_distribution<double> gaps(std::max(0.001, opt.calls_per_second));
  std::uniform_real_distribution<double> uniform(0, 1);

  // The daemon writes its token at start-up; wait for it and for /healthz.
  ApiClient api("127.0.0.1", opt.api_port, "");
  const auto ready_deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < ready_deadline && !stop_requested()) {
    if (api.get("/healthz").status == 200 && !read_token(opt.token_file).empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  api.set_token(read_token(opt.token_file));
  auto agents_list = api.get("/api/v1/agents");
  if (agents_list.status != 200) {
    summary["problems"] = {"the API did not answer GET /api/v1/agents (status " + std::to_string(agents_list.status) + ")"};
    return summary;
  }
  std::map<std::string, Agent> agents;
  for (const auto& a : agents_list.body["agents"]) {
    if (opt.agents > 0 && static_cast<int>(agents.size()) >= opt.agents) break;
    Agent ag;
    ag.id = a["id"].get<std::string>();
    api.post("/api/v1/agents/" + ag.id + "/login");
    api.post("/api/v1/agents/" + ag.id + "/ready");
    agents.emplace(ag.id, std::move(ag));
  }

  std::map<std::int64_t, Caller> callers;
  int placed = 0, refused = 0, caller_hangups = 0, agent_hangups = 0, abandoned_by_patience = 0;
  int digits_pressed = 0;
  const auto start = Clock::now();
  const auto traffic_end = start + std::chrono::duration_cast<Clock::duration>(Seconds(opt.duration_seconds));
  auto next_arrival = start;
  auto next_poll = start;
  auto next_status = start + std::chrono::seconds(1);
  auto tick = start;
  std::int16_t pcm[160];

  for (;;) {
    const auto now = Clock::now();
    const bool traffic_on = now < traffic_end;
    if (!traffic_on && callers.empty()) break;
    if (now > traffic_end + kFinishGrace || stop_requested()) {
      for (auto& [id, c] : callers) api.post("/api/v1/calls/" + std::to_string(id) + "/hangup", {{"by", "caller"}});
      break;
    }

    // New callers.
    while (traffic_on && now >= next_arrival) {
      next_arrival += std::chrono::duration_cast<Clock::duration>(Seconds(gaps(rng)));
      Caller c;
      if (!c.rtp->ok()) break;
      char number[16];
      std::snprintf(number, sizeof number, "+1555%07d", static_cast<int>(rng() % 10'000'000));
      c.number = number;
      const double r = uniform(rng);
      c.script = r < 0.45 ? std::vector<std::string>{"1"}
                 : r < 0.7 ? std::vector<std::string>{"3"}
                           : std::vector<std::string>{"2", "4711#", "1"};
      c.patience_until = now + std::chrono::duration_cast<Clock::duration>(Seconds(10 + patience(rng)));
      auto res = api.post("/api/v1/calls", {{"caller", c.number}, {"media", "127.0.0.1:" + std::to_string(c.rtp->port())}});
      if (res.status != 201) {
        ++refused;
        continue;
      }
      ++placed;
      c.call_id = res.body["call_id"].get<std::int64_t>();
      c.rtp->target(port_of(res.body["media"]));
      c.last_rx = now;
      callers.emplace(c.call_id, std::move(c));
    }

    // Media: every caller and every talking agent sends one 20 ms frame.
    for (auto& [id, c] : callers) {
      if (c.rtp->drain() > 0) {
        c.last_rx = now;
        if (!c.pressing) c.heard_since_press = true;
      }
      if (c.state == "ivr" && !c.pressing && c.next_entry < c.script.size() && c.heard_since_press &&
          now - c.last_rx > kPromptGap) {
        c.dtmf = std::make_unique<ivr::DtmfGenerator>(-10, 0, 80, 80);
        c.dtmf->queue(c.script[c.next_entry]);
        c.pressing = true;
      }
      if (c.pressing) {
        const int n = c.dtmf->generate(std::span<std::int16_t>(pcm, 160));
        for (int i = n; i < 160; ++i) pcm[i] = 0;
        if (n == 0) {
          c.digits_pressed += static_cast<int>(c.script[c.next_entry].size());
          digits_pressed += static_cast<int>(c.script[c.next_entry].size());
          ++c.next_entry;
          c.pressing = false;
          c.heard_since_press = false;
          c.dtmf.reset();
        }
      } else if (c.state == "talking") {
        tone_frame(pcm, 440, 3000, c.phase);  // the caller's voice: left channel
      } else {
        std::fill(std::begin(pcm), std::end(pcm), std::int16_t{0});
      }
      c.rtp->send(pcm);
    }
    for (auto& [id, a] : agents) {
      a.rtp->drain();
      if (!a.call) continue;
      tone_frame(pcm, 1000, 3000, a.phase);  // the agent's voice: right channel
      a.rtp->send(pcm);
    }

    // Call states, ringing agents, patience, talk time.
    if (now >= next_poll) {
      next_poll = now + kPollEvery;
      auto list = api.get("/api/v1/calls");
      if (list.status == 200) {
        std::map<std::int64_t, nlohmann::json> live;
        for (const auto& j : list.body["calls"]) live[j["id"].get<std::int64_t>()] = j;
        for (auto it = callers.begin(); it != callers.end();) {
          Caller& c = it->second;
          const auto found = live.find(c.call_id);
          if (found == live.end()) {  // ended by the server (IVR hang-up, queue timeout)
            for (auto& [aid, a] : agents)
              if (a.call == c.call_id) {
                a.call.reset();
                a.rtp->target(0);
                a.end_wrap_up_at = now + std::chrono::milliseconds(1000 + rng() % 2000);
              }
            it = callers.erase(it);
            continue;
          }
          c.state = found->second["state"].get<std::string>();
          c.agent = found->second["agent"].get<std::string>();
          if (c.state == "ringing") {
            auto a = agents.find(c.agent);
            if (a != agents.end() && a->second.ringing_call != c.call_id && !a->second.call) {
              a->second.ringing_call = c.call_id;
              a->second.answer_at = now + std::chrono::milliseconds(500 + rng() % 1500);
            }
          }
          if ((c.state == "queued" || c.state == "ringing") && now >= c.patience_until) {
            api.post("/api/v1/calls/" + std::to_string(c.call_id) + "/hangup", {{"by", "caller"}});
            ++abandoned_by_patience;
          }
          if (c.state == "talking" && !c.talk_until)
            c.talk_until = now + std::chrono::duration_cast<Clock::duration>(Seconds(1 + talk(rng)));
          if (c.talk_until && now >= *c.talk_until && !c.hung_up) {
            const bool by_agent = uniform(rng) < 0.5;
            api.post("/api/v1/calls/" + std::to_string(c.call_id) + "/hangup", {{"by", by_agent ? "agent" : "caller"}});
            (by_agent ? agent_hangups : caller_hangups)++;
            c.hung_up = true;
          }
          ++it;
        }
      }
      for (auto& [aid, a] : agents) {
        if (a.answer_at && now >= *a.answer_at) {
          a.answer_at.reset();
          auto res = api.post("/api/v1/calls/" + std::to_string(a.ringing_call) + "/answer",
                              {{"agent", a.id}, {"media", "127.0.0.1:" + std::to_string(a.rtp->port())}});
          if (res.status == 200) {
            a.call = a.ringing_call;
            a.rtp->target(port_of(res.body["media"]["agent_side"]));
            ++a.answered;
          }
          a.ringing_call = 0;
        }
        if (a.end_wrap_up_at && now >= *a.end_wrap_up_at) {
          a.end_wrap_up_at.reset();
          api.post("/api/v1/agents/" + a.id + "/end-wrap-up");
        }
      }
    }

    if (opt.status_lines && now >= next_status) {
      next_status += std::chrono::seconds(1);
      int ivr = 0, queued = 0, talking = 0;
      for (const auto& [id, c] : callers) {
        ivr += c.state == "ivr";
        queued += c.state == "queued" || c.state == "ringing";
        talking += c.state == "talking" || c.state == "connecting";
      }
      std::uint64_t answered = 0, in_sl = 0, abandoned = 0;
      double asa_weighted = 0;
      auto queues = api.get("/api/v1/queues");
      if (queues.status == 200) {
        for (const auto& q : queues.body["queues"]) {
          const auto& t = q["total"];
          answered += t["answered"].get<std::uint64_t>();
          in_sl += t["answered_within_threshold"].get<std::uint64_t>();
          abandoned += t["abandoned"].get<std::uint64_t>();
          asa_weighted += t["asa_seconds"].get<double>() * t["answered"].get<double>();
        }
      }
      std::printf("[%5.0fs] placed %d | IVR %d | queue %d | talking %d | answered %llu | SL %5.1f%% | ASA %4.1fs | abandoned %llu\n",
                  Seconds(now - start).count(), placed, ivr, queued, talking, static_cast<unsigned long long>(answered),
                  answered ? 100.0 * static_cast<double>(in_sl) / static_cast<double>(answered) : 100.0,
                  answered ? asa_weighted / static_cast<double>(answered) : 0.0, static_cast<unsigned long long>(abandoned));
      std::fflush(stdout);
    }

    tick += kFrame;
    const auto after = Clock::now();
    if (tick > after) std::this_thread::sleep_until(tick);
    else tick = after;  // fell behind (a slow API call): do not burst
  }

  // ---- summary and self-checks ----
  // Let the recorder finish the last files and the ACD settle its counts.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int digits_detected = 0, talked = 0, ended_in_ivr = 0, abandoned = 0, other = 0;
  int recordings_expected = 0;
  for (std::int64_t id = 1;; ++id) {
    auto res = api.get("/api/v1/calls/" + std::to_string(id));
    if (res.status != 200) break;
    const auto& j = res.body;
    bool talked_here = false;
    for (const auto& h : j["history"]) {
      if (h["event"] == "dtmf" && h["source"] == "inband") ++digits_detected;
      // Answered as the ACD counts it: when the agent picked up.
      if (h["event"] == "answered") talked_here = true;
    }
    const std::string reason = j.value("end_reason", "");
    if (talked_here) ++talked;
    else if (reason == "abandoned") ++abandoned;
    else if (reason == "completed_in_ivr" || reason == "callback") ++ended_in_ivr;
    else ++other;
    if (j.contains("recording")) ++recordings_expected;
  }
  int recordings_found = 0, sidecars_ok = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(opt.recordings_dir, ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind("call-", 0) != 0 || e.path().extension() != ".wav") continue;
    ++recordings_found;
    std::ifstream side(std::filesystem::path(e.path()).replace_extension(".json"));
    const auto meta = nlohmann::json::parse(side, nullptr, false);
    const std::string suffix = meta.is_discarded() || !meta.contains("call_id")
                                   ? std::string("?")
                                   : "-" + std::to_string(meta["call_id"].get<std::int64_t>()) + ".wav";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        meta["recording"]["status"] == "complete")
      ++sidecars_ok;
  }
  std::uint64_t acd_answered = 0;
  if (auto queues = api.get("/api/v1/queues"); queues.status == 200)
    for (const auto& q : queues.body["queues"]) acd_answered += q["total"]["answered"].get<std::uint64_t>();
  const std::string metrics = api.get("/metrics").text;
  auto metric_value = [&](const std::string& series) -> double {
    const auto p = metrics.find("\n" + series + " ");
    return p == std::string::npos ? -1 : std::atof(metrics.c_str() + p + series.size() + 2);
  };
  const double started_metric = metric_value("switchboard_calls_started_total{direction=\"inbound\"}");

  if (digits_detected != digits_pressed) problems.push_back("digits pressed " + std::to_string(digits_pressed) + ", detected " + std::to_string(digits_detected));
  if (static_cast<std::uint64_t>(talked) != acd_answered) problems.push_back("calls talked " + std::to_string(talked) + ", ACD answered " + std::to_string(acd_answered));
  if (started_metric != placed) problems.push_back("calls placed " + std::to_string(placed) + ", /metrics started " + std::to_string(started_metric));
  if (recordings_found != recordings_expected || sidecars_ok != recordings_found)
    problems.push_back("recordings expected " + std::to_string(recordings_expected) + ", found " + std::to_string(recordings_found) + ", complete with metadata " + std::to_string(sidecars_ok));
  if (placed > 0 && talked == 0) problems.push_back("no call reached an agent");

  summary = {{"ok", problems.empty()},
             {"calls_placed", placed},
             {"calls_refused", refused},
             {"talked_to_agent", talked},
             {"abandoned", abandoned},
             {"ended_in_ivr", ended_in_ivr},
             {"other_endings", other},
             {"caller_hangups", caller_hangups},
             {"agent_hangups", agent_hangups},
             {"patience_ran_out", abandoned_by_patience},
             {"digits_pressed", digits_pressed},
             {"digits_detected_inband", digits_detected},
             {"acd_answered", acd_answered},
             {"metrics_calls_started", started_metric},
             {"recordings", recordings_found},
             {"recordings_complete_with_metadata", sidecars_ok},
             {"agents", agents.size()},
             {"problems", problems}};
  return summary;
}

}  // namespace sb::demo
