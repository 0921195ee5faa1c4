// baresip (Debian package baresip) as a SIP peer in tests: a softphone
// with its own config directory, a sine tone as its microphone, remote
// audio discarded, driven over its ctrl_tcp module (dial, DTMF, hang-up,
// transfer). Also loopback ports spaced for it and the audio level of a
// recording, which is how the tests tell that each side's tone got through.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/background_process.hpp"

namespace sb::test {

// True when baresip and the modules these phones load are installed.
bool have_baresip();

// `count` loopback ports free for UDP and TCP, each with the next port
// free for TCP too (baresip opens TCP and TLS beside its SIP port), at
// least 3 apart from each other, from 50000-59999 (clear of the media
// port ranges of the tests' dataplanes).
std::vector<std::uint16_t> spaced_free_ports(std::size_t count);

struct BaresipOptions {
  std::string address = "127.0.0.1";  // where it listens for SIP and sends media from
  std::uint16_t sip_port = 0;
  std::uint16_t ctrl_port = 0;
  int tone_hz = 440;                   // what its microphone plays
  // The accounts line, e.g. "<sip:1001@127.0.0.1:5060>;auth_pass=x;answermode=auto;regint=300".
  std::string account;
};

class Baresip {
 public:
  // Writes config and accounts into `dir` (created) and starts baresip there.
  Baresip(const std::string& dir, const BaresipOptions& options);

  // One ctrl_tcp command (netstring-framed JSON); false when baresip could
  // not be reached or the command not sent.
  bool command(const std::string& command, const std::string& params = "");
  std::string out() const { return process_.out(); }
  std::string err() const { return process_.err(); }
  void stop(int sig);

 private:
  static std::string config(const BaresipOptions& o);
  BaresipOptions options_;
  bool dir_ready_;
  BackgroundProcess process_;
};

// A 16-bit stereo WAV's samples (empty when it has no data chunk).
struct StereoWav {
  int sample_rate = 0;
  std::vector<std::int16_t> left, right;
};
StereoWav read_stereo_wav(const std::string& path);

// Mean absolute sample of each channel of a 16-bit stereo WAV ({0, 0}
// when it has no data chunk).
std::pair<double, double> wav_channel_levels(const std::string& path);

// The frequency of a tone, from the zero crossings in the blocks that
// carry audio (0 when there is none): tells which phone's tone a channel carries.
double dominant_frequency(const std::vector<std::int16_t>& samples, int sample_rate);

}  // namespace sb::test
