// DTMF generation towards a leg over real UDP on loopback, driven through
// MediaSessions::send_dtmf as call control drives it: the far end is a
// socket that receives what the worker sends. With telephone-event
// negotiated, the project's RFC 4733 receiver finds each digit exactly
// once; without, the tones (encoded in the leg's codec) are decoded and the
// project's in-band detector finds each digit exactly once. The far end's
// stream stays one stream (one SSRC, consecutive sequence numbers) across
// relayed audio, the digits, and relayed audio again, and the send ends
// with one kPlaybackDone.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "codecs/codec.hpp"
#include "dataplane/media_sessions.hpp"
#include "ivr/dtmf_detector.hpp"
#include "ivr/rfc4733.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

class DtmfSend : public ::testing::Test {
 protected:
  void SetUp() override {
    DataplaneConfig cfg;
    cfg.port_min = 15000;
    cfg.port_max = 15099;
    auto dp = Dataplane::start(cfg, SteadyClock::instance());
    ASSERT_TRUE(dp) << dp.status().to_string();
    dp_ = std::move(*dp);
  }

  // The session: leg 0 towards `far_` (the far end digits go to), leg 1
  // towards `near_` (the side whose audio is relayed to the far end).
  SessionId call(std::uint8_t telephone_event_pt) {
    LegRequest a, b;
    a.remote = {0x7f000001, far_.port()};
    a.telephone_event_pt = telephone_event_pt;
    b.remote = {0x7f000001, near_.port()};
    auto s = dp_->sessions().create(a, b);
    EXPECT_TRUE(s) << s.status().to_string();
    if (!s) return 0;
    near_port_ = s->local_port[1];
    return s->id;
  }

  // Real time: the near side sends a PCMU packet every 20 ms while the
  // far end collects; after 10 packets `send` starts the digits; stops
  // once their kPlaybackDone has been seen and 10 more packets were sent.
  struct Outcome {
    std::vector<std::vector<std::uint8_t>> packets;
    int done_events = 0;
    PlaybackEnd end = PlaybackEnd::kEnded;
  };
  template <typename Send>
  Outcome talk_around(Send send) {
    Outcome out;
    std::uint32_t playback_id = 0;
    int sent = 0;
    Event ev[64];
    std::uint16_t seq = 100;
    std::uint32_t ts = 1000;
    int left = -1;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    auto next = std::chrono::steady_clock::now();
    while (left != 0 && std::chrono::steady_clock::now() < deadline) {
      std::vector<std::uint8_t> p(12 + 160, 0xFF);  // µ-law silence
      rtp::write_rtp_header(p.data(), false, 0, seq++, ts += 160, 0x1234);
      near_.send_to(near_port_, p);
      if (++sent == 10) {
        auto id = send();
        EXPECT_TRUE(id) << id.status().to_string();
        if (!id) return out;
        playback_id = *id;
      }
      if (left > 0) --left;
      next += 20ms;
      while (std::chrono::steady_clock::now() < next) {
        while (auto d = far_.receive(0ms)) out.packets.push_back(d->bytes);
        const std::size_t n = dp_->sessions().poll_events(ev);
        for (std::size_t i = 0; i < n; ++i) {
          if (ev[i].kind != Event::kPlaybackDone || ev[i].playback_id != playback_id) continue;
          ++out.done_events;
          out.end = ev[i].playback_end;
          if (left < 0) left = 10;
        }
        std::this_thread::sleep_for(1ms);
      }
    }
    std::this_thread::sleep_for(50ms);
    while (auto d = far_.receive(0ms)) out.packets.push_back(d->bytes);
    return out;
  }

  static void expect_one_stream(const std::vector<std::vector<std::uint8_t>>& packets) {
    rtp::RtpHeader first, prev;
    for (std::size_t i = 0; i < packets.size(); ++i) {
      rtp::RtpHeader h;
      ASSERT_EQ(rtp::parse_rtp(packets[i].data(), packets[i].size(), h), rtp::RtpError::kNone);
      if (i == 0) {
        first = h;
      } else {
        EXPECT_EQ(h.ssrc, first.ssrc);
        EXPECT_EQ(static_cast<std::uint16_t>(h.sequence - prev.sequence), 1) << "packet " << i;
      }
      prev = h;
    }
  }

  std::unique_ptr<Dataplane> dp_;
  sb::test::UdpPeer far_, near_;
  std::uint16_t near_port_ = 0;
};

TEST_F(DtmfSend, Rfc4733EventsReachTheFarEndOncePerDigit) {
  const SessionId s = call(101);
  ASSERT_NE(s, 0u);
  const Outcome out = talk_around(
      [&] { return dp_->sessions().send_dtmf(s, 0, "0123456789*#ABCD", {.audio = {}, .duration_ms = 80, .gap_ms = 40}); });
  EXPECT_EQ(out.done_events, 1);
  EXPECT_EQ(out.end, PlaybackEnd::kFinished);
  expect_one_stream(out.packets);
  ivr::Rfc4733Receiver rx(8000);
  std::string digits;
  int audio_before = 0, audio_after = 0, events = 0;
  for (std::size_t i = 0; i < out.packets.size(); ++i) {
    rtp::RtpHeader h;
    ASSERT_EQ(rtp::parse_rtp(out.packets[i].data(), out.packets[i].size(), h), rtp::RtpError::kNone);
    if (h.payload_type == 0) {
      (events == 0 ? audio_before : audio_after)++;
      EXPECT_TRUE(events == 0 || digits.size() == 16) << "audio relayed in the middle of the digits";
      continue;
    }
    ASSERT_EQ(h.payload_type, 101);
    ++events;
    const auto r = rx.on_packet(h.timestamp, std::span(out.packets[i]).subspan(h.header_size, h.payload_size),
                                Nanos{static_cast<std::int64_t>(i) * 20'000'000});
    if (r.ended) {
      digits += r.digit.digit;
      EXPECT_TRUE(r.digit.end_received);
      EXPECT_EQ(r.digit.duration_ms, 80u);
    }
  }
  EXPECT_EQ(digits, "0123456789*#ABCD");
  EXPECT_GT(audio_before, 0);
  EXPECT_GT(audio_after, 0) << "the relay resumes";
  // 80 ms = 4 packets, the last of them the first End, then two more Ends.
  EXPECT_EQ(events, 16 * 6);
}

TEST_F(DtmfSend, TonesInTheLegsCodecReachTheFarEndOncePerDigit) {
  const SessionId s = call(0);
  ASSERT_NE(s, 0u);
  const Outcome out =
      talk_around([&] { return dp_->sessions().send_dtmf(s, 0, "90210#", {.audio = {0, codecs::CodecId::kPcmu, 0}}); });
  EXPECT_EQ(out.done_events, 1);
  expect_one_stream(out.packets);
  auto dec = codecs::Decoder::create(codecs::CodecId::kPcmu, {});
  ASSERT_TRUE(dec);
  std::vector<std::int16_t> pcm;
  for (const auto& p : out.packets) {
    rtp::RtpHeader h;
    ASSERT_EQ(rtp::parse_rtp(p.data(), p.size(), h), rtp::RtpError::kNone);
    ASSERT_EQ(h.payload_type, 0);
    std::vector<std::int16_t> frame(codecs::kMaxFrameSamples);
    const int n = dec->decode(std::span(p).subspan(h.header_size, h.payload_size), frame);
    ASSERT_GT(n, 0);
    pcm.insert(pcm.end(), frame.begin(), frame.begin() + n);
  }
  ivr::DtmfDetector det;
  ivr::DtmfDigit found[32];
  std::size_t n = det.process(pcm, found);
  n += det.finish(std::span(found).subspan(n));
  std::string digits;
  for (std::size_t i = 0; i < n; ++i) {
    digits += found[i].digit;
    // 100 ms tones, as asked (the detector's edges are a frame or so off).
    EXPECT_NEAR(found[i].duration_ms(), 100, 30);
  }
  EXPECT_EQ(digits, "90210#");
}

TEST_F(DtmfSend, BadRequestsAreRefusedUpFront) {
  const SessionId s = call(101);
  ASSERT_NE(s, 0u);
  EXPECT_FALSE(dp_->sessions().send_dtmf(s, 0, "12e", {}));
  EXPECT_FALSE(dp_->sessions().send_dtmf(s, 0, "", {}));
  EXPECT_FALSE(dp_->sessions().send_dtmf(s, 0, std::string(33, '1'), {}));
  EXPECT_FALSE(dp_->sessions().send_dtmf(s, 2, "1", {}));
  EXPECT_FALSE(dp_->sessions().send_dtmf(s, 0, "1", {.audio = {}, .duration_ms = 10}));
  EXPECT_FALSE(dp_->sessions().send_dtmf(s + 1, 0, "1", {}));
}

}  // namespace
}  // namespace sb::dataplane
