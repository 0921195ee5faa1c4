// What the SIP end-to-end tests share: the daemon as a small call centre
// (DID 100 -> IVR "press one" -> queue "sales", or 2 -> a callback from
// "sales" to the caller's number; DID 200 straight to the queue, the
// destination of blind transfers; agents whose phones REGISTER; callbacks
// dialled through [sip.outbound] when the test gives it), its API as the
// tests see it, and the scenario's steps with real baresip phones. Used by
// sip_baresip_test (phones talk to the daemon), sip_callback_test (the
// daemon calls a phone back) and sip_kamailio_test (phones talk to
// Kamailio in front of it).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_harness.hpp"
#include "tests/support/baresip.hpp"
#include "tests/support/http_client.hpp"

namespace sb::test {

struct CallCentreOptions {
  std::uint16_t sip_port = 0;
  // [[sip.trunks]] cidrs; empty: the default trunk (all of loopback).
  std::vector<std::string> trunk_cidrs;
  std::vector<std::string> agents = {"1001"};  // each with password "password-<id>"
  int wrap_up_seconds = 60;
  // The dataplane's media ports: each test its own range, so they can run
  // in parallel.
  std::uint16_t media_port_min = 14000;
  // [sip.outbound] at 127.0.0.1:<port>, where callbacks are dialled; 0: none.
  std::uint16_t outbound_port = 0;
};

inline std::string agent_password(const std::string& agent) { return "password-" + agent; }

inline std::string call_centre_config(const TempDir& dir, const CallCentreOptions& o) {
  std::string sip = "[sip]\nlisten = [\"udp:127.0.0.1:" + std::to_string(o.sip_port) + "\"]\n" +
                    "dids = { \"100\" = \"m\", \"200\" = \"queue:sales\" }\n"
                    // Debian 12's baresip (libre 1.x) refuses a challenge set naming SHA-256.
                    "digest_algorithms = [\"MD5\"]\n";
  if (o.outbound_port != 0) sip += "[sip.outbound]\naddress = \"127.0.0.1:" + std::to_string(o.outbound_port) + "\"\n";
  if (!o.trunk_cidrs.empty()) {
    sip += "[[sip.trunks]]\nname = \"edge\"\ncidrs = [";
    for (std::size_t i = 0; i < o.trunk_cidrs.size(); ++i) sip += (i ? ", \"" : "\"") + o.trunk_cidrs[i] + "\"";
    sip += "]\n";
  }
  std::string acd_agents;
  for (const auto& a : o.agents) {
    sip += "[[sip.agents]]\nid = \"" + a + "\"\npassword = \"" + agent_password(a) + "\"\n";
    acd_agents += "[[acd.agents]]\nid = \"" + a + "\"\nname = \"Agent " + a + "\"\nskills = { s = 5 }\nqueues = [\"sales\"]\n";
  }
  return "[server]\nstate_dir = \"" + dir.file("var") + "\"\ndrain_timeout = \"10s\"\n"
         "[logging]\nlevel = \"info\"\n"
         "[api]\nport = 0\n[[api.tokens]]\nname = \"ops\"\ntoken = \"" + kToken + "\"\n"
         "[recordings]\ndirectory = \"" + dir.file("rec") + "\"\n"
         "[dataplane]\nport_min = " + std::to_string(o.media_port_min) +
         "\nport_max = " + std::to_string(o.media_port_min + 99) + "\n" + sip +
         "[ivr.prompts]\nhi.en = \"press one\"\nlater.en = \"we will call you back\"\n"
         "[ivr.menus.m]\nentry = \"a\"\n"
         "[ivr.menus.m.nodes.a]\ntype = \"collect\"\nprompts = [\"hi\"]\nmax_digits = 1\n"
         "first_digit_timeout = \"30s\"\nbranches = [{ match = \"1\", next = \"q\" }, { match = \"2\", next = \"cb\" }]\n"
         "on_failure = \"q\"\n"
         "[ivr.menus.m.nodes.q]\ntype = \"queue\"\nqueue = \"sales\"\n"
         // The number called back is the caller's id (no number_variable).
         "[ivr.menus.m.nodes.cb]\ntype = \"callback\"\nqueue = \"sales\"\nprompts = [\"later\"]\n"
         "[acd]\nskills = [\"s\"]\n"
         "[[acd.queues]]\nname = \"sales\"\nstrategy = \"longest-idle\"\nwrap_up_seconds = " +
         std::to_string(o.wrap_up_seconds) + "\nrequires = { s = 1 }\n" + acd_agents;
}

// `switchboard run` on that config, and its API.
class CallCentre {
 public:
  CallCentre(const TempDir& dir, const CallCentreOptions& o)
      : dir_(dir),
        sip_port_(o.sip_port),
        config_(write_config(dir, o)),
        process_({switchboard_binary(), "run", "--config", config_}) {}

  // Empty when the daemon is up with SIP on the configured port, else why not.
  std::string wait_ready() {
    api_ = port_from_banner(process_);
    if (api_ == 0 || !process_.wait_for_line("ready (pid")) return "daemon did not start: " + process_.out() + process_.err();
    if (process_.out().find("sip        udp:127.0.0.1:" + std::to_string(sip_port_)) == std::string::npos)
      return "no SIP listener in the banner: " + process_.out();
    return "";
  }
  BackgroundProcess& process() { return process_; }
  std::uint16_t sip_port() const { return sip_port_; }
  // "127.0.0.1:<SIP port>", the registrar and proxy the phones are given.
  std::string sip_host() const { return "127.0.0.1:" + std::to_string(sip_port_); }
  // `phones` registrations are active (the phones' REGISTERs got through).
  bool registered(int phones) {
    return metrics_have("switchboard_sip_registrations_active " + std::to_string(phones), std::chrono::seconds(20));
  }
  // The agent logs in through the API and, with `ready`, becomes ready.
  void log_in(const std::string& agent, bool ready = true) {
    EXPECT_EQ(api("POST", "/api/v1/agents/" + agent + "/login").status, 202) << agent;
    if (ready) {
      EXPECT_TRUE(agent_ready(agent)) << agent;
    }
  }

  HttpResult api(const std::string& method, const std::string& path) {
    return http_request(api_, method, path, method == "POST" ? "{}" : "",
                        method == "POST" ? json_with(kToken) : bearer(kToken));
  }
  bool metrics_have(const std::string& line, std::chrono::seconds limit = std::chrono::seconds(10)) {
    return eventually([&] { return http_request(api_, "GET", "/metrics").body.find(line) != std::string::npos; }, limit);
  }
  nlohmann::json call(std::uint64_t id) { return api("GET", "/api/v1/calls/" + std::to_string(id)).json(); }
  bool call_reaches(std::uint64_t id, const std::string& state, std::chrono::seconds limit = std::chrono::seconds(20)) {
    return eventually(
        [&] {
          const auto j = call(id);
          return j.is_object() && j.value("state", "") == state;
        },
        limit);
  }
  // The id of a listed call in `state`, 0 when none appears within `limit`.
  std::uint64_t wait_for_call_in(const std::string& state, std::chrono::seconds limit = std::chrono::seconds(20)) {
    std::uint64_t id = 0;
    eventually(
        [&] {
          const auto j = api("GET", "/api/v1/calls").json();
          if (!j.is_object() || !j.contains("calls")) return false;
          for (const auto& c : j["calls"])
            if (c.value("state", "") == state) id = c["id"].get<std::uint64_t>();
          return id != 0;
        },
        limit);
    return id;
  }
  bool agent_ready(const std::string& agent) {
    return api("POST", "/api/v1/agents/" + agent + "/ready").status == 202;
  }
  // The call's stereo recording (call-<UTC start>-<id>.wav), "" when none
  // appears within `limit`.
  std::string recording(std::uint64_t id, std::chrono::seconds limit = std::chrono::seconds(10)) {
    const std::string suffix = "-" + std::to_string(id) + ".wav";
    std::string wav;
    eventually(
        [&] {
          std::error_code ec;
          for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.file("rec"), ec)) {
            const std::string name = e.path().filename().string();
            if (name.rfind("call-", 0) == 0 && name.size() > suffix.size() + 5 &&
                name.compare(name.size() - suffix.size(), std::string::npos, suffix) == 0)
              wav = e.path().string();
          }
          return !wav.empty();
        },
        limit);
    return wav;
  }

 private:
  static std::string write_config(const TempDir& dir, const CallCentreOptions& o) {
    write_file(dir.file("sb.toml"), call_centre_config(dir, o));
    return dir.file("sb.toml");
  }
  const TempDir& dir_;
  std::uint16_t sip_port_;
  std::string config_;
  BackgroundProcess process_;
  std::uint16_t api_ = 0;
};

// An agent's phone: registers as `agent` at `registrar` ("host:port") and
// answers every call at once.
inline BaresipOptions agent_phone(const std::string& agent, const std::string& registrar, std::uint16_t sip_port,
                                  std::uint16_t ctrl_port, int tone_hz) {
  return {"127.0.0.1", sip_port, ctrl_port, tone_hz,
          "<sip:" + agent + "@" + registrar + ">;auth_pass=" + agent_password(agent) + ";answermode=auto;regint=300"};
}
// A caller's phone: no registration, calls placed through `proxy` ("host:port").
inline BaresipOptions caller_phone(const std::string& proxy, std::uint16_t sip_port, std::uint16_t ctrl_port, int tone_hz) {
  return {"127.0.0.1", sip_port, ctrl_port, tone_hz, "<sip:5550100@" + proxy + ">;regint=0"};
}

// The caller dials `did_uri`, the IVR answers, the caller presses 1 by RFC
// 4733, waits in the queue and is connected to a ringing agent's phone;
// both tones then flow for a few seconds. Returns the call id (0 after a
// failed assertion).
inline std::uint64_t call_through_ivr_to_agent(CallCentre& centre, Baresip& caller, Baresip& agent,
                                               const std::string& did_uri) {
  EXPECT_TRUE(caller.command("dial", did_uri));
  const std::uint64_t id = centre.wait_for_call_in("ivr");
  EXPECT_NE(id, 0u) << centre.api("GET", "/api/v1/calls").body << caller.out() << centre.process().err();
  if (id == 0) return 0;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the prompt starts
  EXPECT_TRUE(caller.command("sndcode", "1"));
  const bool talking = centre.call_reaches(id, "talking", std::chrono::seconds(30));
  EXPECT_TRUE(talking) << centre.call(id).dump(1) << agent.out() << centre.process().err();
  if (!talking) return 0;
  std::this_thread::sleep_for(std::chrono::seconds(3));  // both tones flow and are recorded
  return id;
}

// Which phone's tone a recording channel carries, within 10%.
inline bool carries_tone(const std::vector<std::int16_t>& channel, int sample_rate, double hz) {
  const double f = dominant_frequency(channel, sample_rate);
  return f > hz * 0.9 && f < hz * 1.1;
}

// The stereo recording `wav` carries `left_hz` on its left channel (the
// caller's or called party's leg) and `right_hz` on its right (the agent's).
inline void expect_tones(const std::string& wav, int left_hz, int right_hz) {
  const auto audio = read_stereo_wav(wav);
  EXPECT_TRUE(carries_tone(audio.left, audio.sample_rate, left_hz))
      << wav << ": left " << dominant_frequency(audio.left, audio.sample_rate) << " Hz";
  EXPECT_TRUE(carries_tone(audio.right, audio.sample_rate, right_hz))
      << wav << ": right " << dominant_frequency(audio.right, audio.sample_rate) << " Hz";
}

// The phone got a BYE, no SIP dialog is left, the phones stop and the
// daemon exits cleanly on SIGTERM.
inline void expect_bye_and_shut_down(CallCentre& centre, Baresip& hung_up, std::initializer_list<Baresip*> phones) {
  EXPECT_TRUE(eventually([&] { return hung_up.out().find("BYE sip:") != std::string::npos; }, std::chrono::seconds(10)))
      << hung_up.out();
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_dialogs_active 0")) << centre.process().err();
  for (Baresip* phone : phones) phone->stop(SIGTERM);
  centre.process().signal(SIGTERM);
  EXPECT_EQ(centre.process().wait_exit(), 0) << centre.process().err();
}

// After the hang-up by `by` ("caller" or "agent"): the call ended
// completed, its history shows DTMF by RFC 4733, queue, offer, answer and
// who hung up, and the recording carries both tones (caller left, agent
// right).
inline void expect_completed_call(CallCentre& centre, std::uint64_t id, const std::string& by) {
  ASSERT_TRUE(centre.call_reaches(id, "ended")) << centre.call(id).dump(1);
  const auto shown = centre.call(id);
  EXPECT_EQ(shown["end_reason"], "completed") << shown.dump(1);
  const std::string history = shown["history"].dump();
  for (const std::string& want : std::vector<std::string>{"\"source\":\"rfc4733\"", "\"event\":\"queued\"", "\"event\":\"offered\"",
                                 "\"event\":\"answered\"", "\"state\":\"talking\"", "\"by\":\"" + by + "\""})
    EXPECT_NE(history.find(want), std::string::npos) << want << " missing in " << shown.dump(1);
  const std::string wav = centre.recording(id);
  ASSERT_FALSE(wav.empty()) << "no recording of call " << id;
  const auto [left, right] = wav_channel_levels(wav);
  EXPECT_GT(left, 100) << wav;
  EXPECT_GT(right, 100) << wav;
}

}  // namespace sb::test
