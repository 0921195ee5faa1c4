// The demo's traffic: simulated callers and agents that use a running
// Switchboard the way real ones would, over loopback.
//
// Callers place inbound calls through the API, send and receive real RTP
// (G.711 µ-law, 20 ms) from their own UDP sockets, listen to the IVR and
// answer it with in-band DTMF (tones in the audio, pressed when a prompt
// has finished), wait in queue with a patience of their own (abandoning
// when it runs out), talk, and hang up. Agents log in and go ready through
// the API, see their calls ringing in the call list, answer them with
// their own media address, talk (a tone of their own, so recordings show
// both channels), and end their wrap-up through the API.
//
// The run prints a status line each second (calls in IVR / in queue /
// talking, service level, ASA, abandoned) and a summary at the end that
// checks itself: digits pressed against digits the server detected, calls
// answered against the ACD's count and /metrics, recordings on disk
// against calls talked.
#pragma once

#include <functional>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace sb::demo {

struct TrafficOptions {
  double calls_per_second = 0.5;
  double duration_seconds = 60;     // new calls stop after this; live ones finish
  int agents = 0;                   // 0: every agent in the config
  double talk_seconds = 8;          // mean, exponential
  double patience_seconds = 60;     // mean, exponential
  std::uint16_t api_port = 8080;
  std::string token_file = "./var/api-token";
  std::string recordings_dir = "./var/recordings";
  std::uint64_t seed = 1;
  bool status_lines = true;
};

// Runs until done, or until `stop_requested()` (the daemon drains: Ctrl-C)
// when it hangs up its calls; returns the summary as JSON ("ok": false with
// "problems" when the self-checks failed).
nlohmann::json run_traffic(const TrafficOptions& options, const std::function<bool()>& stop_requested);

}  // namespace sb::demo
