// A far end talking to a mix room: a real UDP socket, a tone coded in its
// codec as 20 ms RTP packets with RTP timing, and what it hears decoded,
// with the RTP headers kept for continuity checks and RTCP kept apart. Shared by the worker's
// unit tests (virtual time) and the loopback integration tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "codecs/codec.hpp"
#include "codecs/signal_metrics.hpp"
#include "dataplane/packet.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "tests/support/signals.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane::test {

struct Talker {
  Talker(std::uint16_t local_port, codecs::CodecId codec_id, std::uint8_t payload_type, double freq_hz)
      : port(local_port), codec(codec_id), pt(payload_type) {
    auto e = codecs::Encoder::create(codec_id, {});
    auto d = codecs::Decoder::create(codec_id, {});
    EXPECT_TRUE(e && d);
    encoder.emplace(std::move(*e));
    decoder.emplace(std::move(*d));
    rate = encoder->params().sample_rate;
    // -16 dBFS: three of them sum well below clipping.
    if (freq_hz > 0) signal = sb::test::sine(rate, freq_hz, -16, 20'000);
  }
  Endpoint far_end() const { return {0x7f000001, peer.port()}; }
  // The next 20 ms packet (silence once the signal ends or without one).
  std::vector<std::uint8_t> next_packet() {
    const auto n = static_cast<std::size_t>(encoder->frame_samples());
    std::vector<std::int16_t> frame(n, 0);
    for (std::size_t i = 0; i < n && pos + i < signal.size(); ++i) frame[i] = signal[pos + i];
    pos += n;
    std::vector<std::uint8_t> payload(codecs::kMaxPayloadBytes);
    const int bytes = encoder->encode(frame, payload);
    std::vector<std::uint8_t> p(12 + static_cast<std::size_t>(bytes));
    rtp::write_rtp_header(p.data(), seq == 1000, pt, seq, ts, ssrc);
    std::copy_n(payload.begin(), bytes, p.begin() + 12);
    ++seq;
    ts += static_cast<std::uint32_t>(encoder->codec().rtp_clock_rate / 50);
    return p;
  }
  // Sends the next packet to the worker's `local` port.
  void send(std::uint16_t local) { peer.send_to(local, next_packet()); }
  // Everything the worker sent so far, decoded in arrival order; RTP
  // headers kept for continuity checks.
  void collect() {
    while (auto d = peer.receive(std::chrono::milliseconds(0))) {
      // Only what the leg's port sends, as a far end that latched it would:
      // tests running alongside reuse ports and tones, and a stray packet
      // to this socket's port must not count as heard.
      if (port != 0 && d->from_port != port) {
        ++strays;
        continue;
      }
      // RTCP the worker generates for the leg (muxed on the RTP port).
      if (rtp::looks_like_rtcp(d->bytes.data(), d->bytes.size())) {
        rtcp.push_back({std::move(d->bytes), headers.size()});
        continue;
      }
      rtp::RtpHeader h;
      if (rtp::parse_rtp(d->bytes.data(), d->bytes.size(), h) != rtp::RtpError::kNone) continue;
      headers.push_back(h);
      if (h.payload_type != pt) {
        other.push_back({h, std::vector<std::uint8_t>(d->bytes.begin() + h.header_size,
                                                      d->bytes.begin() + h.header_size + h.payload_size)});
        continue;
      }
      std::vector<std::int16_t> pcm(codecs::kMaxFrameSamples);
      const int n = decoder->decode(std::span(d->bytes).subspan(h.header_size, h.payload_size), pcm);
      if (n > 0) heard.insert(heard.end(), pcm.begin(), pcm.begin() + n);
    }
  }
  // Level of `f` in what was heard from `from_ms` on (dBFS; Goertzel).
  double level(double f, int from_ms = 200) const {
    const auto skip = static_cast<std::size_t>(rate / 1000 * from_ms);
    if (heard.size() <= skip) return -200;
    return codecs::tone_level_dbfs(std::span(heard).subspan(skip), f, rate);
  }

  sb::test::UdpPeer peer;
  std::uint16_t port;
  codecs::CodecId codec;
  std::uint8_t pt;
  std::optional<codecs::Encoder> encoder;
  std::optional<codecs::Decoder> decoder;
  int rate = 8000;
  std::vector<std::int16_t> signal;
  std::size_t pos = 0;
  std::uint16_t seq = 1000;
  std::uint32_t ts = 50'000;
  std::uint32_t ssrc = 0x5000 + port;
  std::vector<std::int16_t> heard;
  std::vector<rtp::RtpHeader> headers;
  std::size_t strays = 0;  // datagrams from anywhere but the leg's port
  // Packets of other payload types (telephone events), header and payload.
  struct OtherPacket {
    rtp::RtpHeader header;
    std::vector<std::uint8_t> payload;
  };
  std::vector<OtherPacket> other;
  // RTCP that arrived on the RTP port, and how many RTP headers had
  // arrived before it.
  struct RtcpPacket {
    std::vector<std::uint8_t> bytes;
    std::size_t after_headers;
  };
  std::vector<RtcpPacket> rtcp;
};

// A three-party conference of talkers on 400, 700 and 1300 Hz: each hears
// the other two tones above `heard` dBFS and its own below `absent`, in
// what it heard from `from_ms` on.
inline void expect_each_hears_the_other_two(const Talker& on400, const Talker& on700, const Talker& on1300,
                                            double heard, double absent, int from_ms) {
  EXPECT_GT(on400.level(700, from_ms), heard);
  EXPECT_GT(on400.level(1300, from_ms), heard);
  EXPECT_LT(on400.level(400, from_ms), absent);
  EXPECT_GT(on700.level(400, from_ms), heard);
  EXPECT_GT(on700.level(1300, from_ms), heard);
  EXPECT_LT(on700.level(700, from_ms), absent);
  EXPECT_GT(on1300.level(400, from_ms), heard);
  EXPECT_GT(on1300.level(700, from_ms), heard);
  EXPECT_LT(on1300.level(1300, from_ms), absent);
}

}  // namespace sb::dataplane::test
