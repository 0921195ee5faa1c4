// `switchboard demo`: the daemon on the embedded default configuration,
// and in the same process the simulated callers and agents of
// control/demo/demo_traffic.hpp driving it over loopback (API, RTP). The
// API and /metrics stay live while it runs; recordings are left in
// ./var/recordings. Exit code: 0 when the run's self-checks passed, 1 when
// one failed or the daemon could not start, 2 for bad options.
#include <cstdio>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "control/commands/commands.hpp"
#include "control/config/default_config.hpp"
#include "control/daemon/daemon.hpp"
#include "control/daemon/sections.hpp"
#include "control/demo/demo_traffic.hpp"

namespace sb::control {

namespace {

// The embedded default with the demo's API port, and SIP on free loopback
// ports (the demo drives calls through the API; it must not take 5060 from
// a real server on the machine).
std::string demo_config(std::uint16_t api_port) {
  std::string text(config::embedded_default_config());
  const std::string sip_listen = "listen = [\"udp:127.0.0.1:5060\", \"tcp:127.0.0.1:5060\"]";
  if (const auto at = text.find(sip_listen); at != std::string::npos)
    text.replace(at, sip_listen.size(), "listen = [\"udp:127.0.0.1:0\", \"tcp:127.0.0.1:0\"]");
  const auto api = text.find("\n[api]\n");
  const auto port = api == std::string::npos ? std::string::npos : text.find("\nport = 8080", api);
  if (port != std::string::npos) text.replace(port, 12, "\nport = " + std::to_string(api_port));
  return text;
}

void print_summary(const nlohmann::json& s) {
  std::printf("\nDemo summary\n");
  std::printf("  calls placed            %d (refused %d)\n", s.value("calls_placed", 0), s.value("calls_refused", 0));
  std::printf("  talked to an agent      %d (ACD answered %llu)\n", s.value("talked_to_agent", 0),
              static_cast<unsigned long long>(s.value("acd_answered", 0ULL)));
  std::printf("  abandoned in queue/IVR  %d (patience ran out %d)\n", s.value("abandoned", 0), s.value("patience_ran_out", 0));
  std::printf("  ended in the IVR        %d\n", s.value("ended_in_ivr", 0));
  std::printf("  DTMF digits             pressed %d, detected in band %d\n", s.value("digits_pressed", 0),
              s.value("digits_detected_inband", 0));
  std::printf("  recordings              %d in ./var/recordings (%d complete with metadata)\n", s.value("recordings", 0),
              s.value("recordings_complete_with_metadata", 0));
  if (s.value("ok", false)) {
    std::printf("  self-checks             passed\n");
  } else {
    std::printf("  self-checks             FAILED\n");
    for (const auto& p : s["problems"]) std::printf("    - %s\n", p.get<std::string>().c_str());
  }
}

}  // namespace

int run_demo_command(const DemoCommandOptions& o) {
  if (o.calls_per_second <= 0 || o.calls_per_second > 200 || o.duration_seconds <= 0 || o.agents < 0 ||
      o.talk_seconds <= 0 || o.patience_seconds <= 0) {
    std::fprintf(stderr,
                 "switchboard demo: --calls-per-second must be in (0, 200]; --duration, --talk-seconds and "
                 "--patience-seconds positive; --agents 0 or more\n");
    return 2;
  }
  daemon::Daemon d({.config_text = demo_config(o.api_port), .config_name = "<embedded default, demo>"},
                   daemon::daemon_sections(), SteadyClock::instance());
  if (!d.load()) return 2;
  add_daemon_subsystems(d);

  demo::TrafficOptions t;
  t.calls_per_second = o.calls_per_second;
  t.duration_seconds = o.duration_seconds;
  t.agents = o.agents;
  t.talk_seconds = o.talk_seconds;
  t.patience_seconds = o.patience_seconds;
  t.api_port = o.api_port;
  t.seed = o.seed;
  t.status_lines = !o.json;
  nlohmann::json summary;
  std::thread traffic([&] {
    summary = demo::run_traffic(t, [&d] { return d.draining(); });
    d.request_drain();
  });
  const int rc = d.run();  // until the traffic is done (or Ctrl-C drains it)
  // A daemon that failed to start never drains: the traffic gives up
  // waiting for /healthz and finds nothing to do.
  d.request_drain();
  traffic.join();
  if (o.json) std::printf("%s\n", summary.dump(2).c_str());
  else print_summary(summary);
  if (rc != 0) return 1;
  return summary.value("ok", false) ? 0 : 1;
}

}  // namespace sb::control
