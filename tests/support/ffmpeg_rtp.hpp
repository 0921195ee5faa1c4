// ffmpeg as an RTP far end in integration tests: a PCMU receiver started
// from an SDP file, writing what it hears to a 16-bit 8 kHz mono WAV, and
// a PCMU sender playing a WAV in real time.
// Header-only, so the tests that use it need nothing more than the support
// library they already link.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "tests/support/process.hpp"

namespace sb::test {

// Listens on `port` (127.0.0.1) for `seconds` of audio; wait for the port to
// be bound (wait_udp_bound) before sending.
inline Child spawn_pcmu_sink(const TempDir& dir, std::uint16_t port, const std::string& seconds,
                             const std::string& out_wav) {
  const std::string sdp = dir.file("pcmu_sink_" + std::to_string(port) + ".sdp");
  std::ofstream(sdp) << "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=sink\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     << "m=audio " << port << " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  return Child::spawn({"ffmpeg", "-nostdin", "-loglevel", "error", "-protocol_whitelist", "file,udp,rtp", "-i", sdp,
                       "-t", seconds, "-ar", "8000", "-ac", "1", "-c:a", "pcm_s16le", "-y", out_wav});
}

// Sends `input_wav` as PCMU in 20 ms packets (-packetsize 172: 12 header
// bytes + 160 samples), paced in real time, from 127.0.0.1:`from_port` to
// 127.0.0.1:`to_port`; returns when the file has been sent.
inline RunResult send_pcmu(const std::string& input_wav, std::uint16_t to_port, std::uint16_t from_port) {
  return run({"ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-i", input_wav, "-c:a", "pcm_mulaw", "-ar", "8000",
              "-ac", "1", "-packetsize", "172", "-f", "rtp",
              "rtp://127.0.0.1:" + std::to_string(to_port) + "?localport=" + std::to_string(from_port)});
}

}  // namespace sb::test
