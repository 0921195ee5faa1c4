// Proves that, once created, codecs, DTMF detection, RFC 4733 handling,
// tone generation and the dataplane's media work per packet and per tick
// (a mix party's jitter buffer, decode, concealment, resampling and
// encode; a DTMF send; a recording's taps and frames; a mix room's
// recording frames from its tick) run without touching
// the heap: malloc and friends are interposed in this binary and count
// calls made on the test's thread while a guard is active.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <vector>

#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"
#include "dataplane/session/leg_dtmf_sender.hpp"
#include "dataplane/session/mix_party.hpp"
#include "dataplane/session/session_recording.hpp"
#include "ivr/dtmf_detector.hpp"
#include "ivr/rfc4733.hpp"
#include "ivr/tones.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
thread_local bool g_counting = false;
std::atomic<long> g_allocations{0};

void note() {
  if (g_counting) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  note();
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  note();
  return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) {
  note();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
  note();
  *out = __libc_memalign(a, n);
  return *out ? 0 : 12;
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  note();
  return __libc_memalign(a, n);
}
void free(void* p) { __libc_free(p); }
}

namespace sb {
namespace {

class AllocationGuard {
 public:
  AllocationGuard() {
    g_allocations = 0;
    g_counting = true;
  }
  ~AllocationGuard() { g_counting = false; }
  long count() const { return g_allocations.load(); }
};

TEST(NoAllocation, InterpositionWorks) {
  AllocationGuard guard;
  std::vector<int>* v = new std::vector<int>(100);
  delete v;
  EXPECT_GT(guard.count(), 0);
}

TEST(NoAllocation, CodecsAfterCreation) {
  using namespace codecs;
  struct Case { CodecId id; int rate; };
  for (const Case c : {Case{CodecId::kPcmu, 8000}, Case{CodecId::kPcma, 8000}, Case{CodecId::kG722, 16000},
                       Case{CodecId::kOpus, 8000}, Case{CodecId::kOpus, 16000}, Case{CodecId::kOpus, 48000}}) {
    CodecParams p;
    p.sample_rate = c.rate;
    p.fec = true;
    auto enc = Encoder::create(c.id, p);
    auto dec = Decoder::create(c.id, p);
    ASSERT_TRUE(enc && dec);
    const auto speech = sb::test::committed_speech(c.rate);
    std::vector<std::uint8_t> payload(kMaxPayloadBytes);
    std::vector<std::int16_t> pcm(kMaxFrameSamples);
    const std::size_t frame = static_cast<std::size_t>(enc->frame_samples());
    AllocationGuard guard;
    for (std::size_t off = 0; off + frame <= speech.size(); off += frame) {
      const int n = enc->encode(std::span(speech).subspan(off, frame), payload);
      ASSERT_GE(n, 0);
      if (off / frame % 10 == 5) {
        (void)dec->conceal(pcm);
        if (dec->has_fec()) (void)dec->decode_fec(std::span(payload).first(static_cast<std::size_t>(n)), pcm);
      } else if (n > 0) {
        (void)dec->decode(std::span(payload).first(static_cast<std::size_t>(n)), pcm);
      }
    }
    EXPECT_EQ(guard.count(), 0) << enc->codec().name << "/" << c.rate;
  }
}

TEST(NoAllocation, ResamplerProcess) {
  auto rs = codecs::Resampler::create(8000, 48000);
  ASSERT_TRUE(rs);
  std::vector<std::int16_t> in(160, 1000), out(rs->max_output(160));
  AllocationGuard guard;
  for (int i = 0; i < 100; ++i) ASSERT_GE(rs->process(in, out), 0);
  EXPECT_EQ(guard.count(), 0);
}

TEST(NoAllocation, DtmfToneAndEventPaths) {
  ivr::DtmfDetector det;
  ivr::DtmfGenerator gen;
  ivr::ToneGenerator ring(ivr::tone_spec(ivr::ToneKind::kRingback, ivr::ToneRegion::kNorthAmerica));
  ivr::Rfc4733Receiver rx(8000);
  ivr::Rfc4733Sender tx(8000, 160);
  std::vector<std::int16_t> frame(160);
  ivr::DtmfDigit out[4];
  AllocationGuard guard;
  gen.queue("0123456789");
  int digits = 0;
  for (int i = 0; i < 200; ++i) {
    const int n = gen.generate(frame);
    if (n < 160) std::fill(frame.begin() + std::max(n, 0), frame.end(), 0);
    digits += static_cast<int>(det.process(frame, out));
    (void)ring.generate(frame);
  }
  digits += static_cast<int>(det.finish(out));
  tx.start('5', 100);
  ivr::Rfc4733Packet p;
  Nanos now{0};
  while (tx.next(p)) (void)rx.on_packet(1234, p.payload, now += std::chrono::milliseconds(20));
  (void)rx.poll(now);
  EXPECT_EQ(guard.count(), 0);
  EXPECT_EQ(digits, 10);
}

// One mix party per codec and room rate, fed 20 ms packets with every
// pair swapped, every tenth lost and one repeated, ticked every 20 ms
// through the stream, its end and the buffer's pause after it.
TEST(NoAllocation, MixPartyPacketPathAndTick) {
  using namespace codecs;
  struct Case { CodecId id; std::uint8_t pt; int room; };
  for (const Case c : {Case{CodecId::kPcmu, 0, 8000}, Case{CodecId::kPcma, 8, 16000}, Case{CodecId::kG722, 9, 8000},
                       Case{CodecId::kOpus, 111, 16000}, Case{CodecId::kOpus, 111, 8000}}) {
    auto party = dataplane::MixParty::create({c.pt, c.id, 0}, c.room, 0x1234);
    ASSERT_TRUE(party) << party.status().to_string();
    auto enc = Encoder::create(c.id, {});
    ASSERT_TRUE(enc);
    const int rate = enc->params().sample_rate;
    const auto tone = sb::test::sine(rate, 400, -16, 2000);
    const auto frame = static_cast<std::size_t>(enc->frame_samples());
    const auto step = static_cast<std::uint32_t>(enc->codec().rtp_clock_rate / 50);
    std::vector<std::vector<std::uint8_t>> packets;
    for (std::size_t off = 0; off + frame <= tone.size(); off += frame) {
      std::vector<std::uint8_t> payload(kMaxPayloadBytes);
      const int n = enc->encode(std::span(tone).subspan(off, frame), payload);
      ASSERT_GT(n, 0);
      payload.resize(static_cast<std::size_t>(n));
      packets.push_back(std::move(payload));
    }
    std::vector<std::int16_t> room_frame(static_cast<std::size_t>(c.room / 50));
    std::array<dataplane::MixParty::Encoded, dataplane::MixParty::kMaxEncodedPerTick> out;
    int encoded = 0;
    std::int64_t now = 1'000'000'000;
    AllocationGuard guard;
    for (std::size_t k = 0; k < packets.size() + 30; ++k) {
      if (k < packets.size()) {
        const std::size_t i = k % 2 == 0 ? std::min(k + 1, packets.size() - 1) : k - 1;  // pairs swapped
        if (i % 10 != 7)
          (void)(*party)->on_packet(static_cast<std::uint16_t>(100 + i), static_cast<std::uint32_t>(i) * step, i == 0,
                                    packets[i], now);
        if (k == 20) (void)(*party)->on_packet(static_cast<std::uint16_t>(100 + i), static_cast<std::uint32_t>(i) * step,
                                               false, packets[i], now);
      }
      now += dataplane::MixParty::kFrameNs;
      (*party)->pull(now, room_frame);
      encoded += (*party)->encode(room_frame, out);
    }
    EXPECT_EQ(guard.count(), 0) << enc->codec().name << " in a " << c.room << " Hz room";
    EXPECT_GT((*party)->jitter().played, packets.size() * 8 / 10) << enc->codec().name << " in a " << c.room << " Hz room";
    EXPECT_GT((*party)->concealed(), 0u);
    EXPECT_GT(encoded, static_cast<int>(packets.size()));
  }
}

TEST(NoAllocation, DtmfSenderEventsAndTones) {
  dataplane::DtmfSendSetup setup;
  const char digits[] = "159#";
  std::copy_n(digits, 4, setup.digits);
  setup.count = 4;
  struct Case { std::uint8_t te_pt; std::uint32_t clock; dataplane::MixCodec audio; };
  for (const Case c : {Case{101, 8000, {0, codecs::CodecId::kPcmu, 0}}, Case{101, 48000, {111, codecs::CodecId::kOpus, 0}},
                       Case{0, 8000, {8, codecs::CodecId::kPcma, 0}}, Case{0, 48000, {111, codecs::CodecId::kOpus, 0}}}) {
    setup.audio = c.audio;
    std::int64_t now = 1'000'000'000;
    auto sender = dataplane::LegDtmfSender::create(setup, c.te_pt, c.clock, 0x77, now);
    ASSERT_TRUE(sender) << sender.status().to_string();
    std::array<dataplane::LegDtmfSender::Frame, 4> frames;
    std::size_t sent = 0;
    AllocationGuard guard;
    for (int slot = 0; slot < 200 && !(*sender)->finished(); ++slot) {
      now += dataplane::LegDtmfSender::kFrameNs;
      sent += (*sender)->next(now, frames);
    }
    EXPECT_EQ(guard.count(), 0) << (c.te_pt ? "events" : "tones") << " at " << c.clock;
    EXPECT_TRUE((*sender)->finished());
    EXPECT_GT(sent, 20u);
  }
}

// A mix room's forwarder: digits queued from the packet path one at a time
// (while idle and while it is still sending) and sent as events or tones.
TEST(NoAllocation, DtmfForwarderEventsAndTones) {
  struct Case { std::uint8_t te_pt; std::uint32_t clock; dataplane::MixCodec audio; };
  for (const Case c : {Case{110, 48000, {111, codecs::CodecId::kOpus, 0}}, Case{0, 8000, {0, codecs::CodecId::kPcmu, 0}},
                       Case{0, 48000, {111, codecs::CodecId::kOpus, 0}}}) {
    std::int64_t now = 1'000'000'000;
    auto forwarder = dataplane::LegDtmfSender::create_forwarder(c.audio, c.te_pt, c.clock, 0x78, now);
    ASSERT_TRUE(forwarder) << forwarder.status().to_string();
    std::array<dataplane::LegDtmfSender::Frame, 4> frames;
    std::size_t sent = 0;
    AllocationGuard guard;
    for (int round = 0; round < 2; ++round) {
      EXPECT_TRUE((*forwarder)->forward('4', 120, now));
      EXPECT_TRUE((*forwarder)->forward('*', 80, now));
      for (int slot = 0; slot < 200 && !(*forwarder)->finished(); ++slot) {
        now += dataplane::LegDtmfSender::kFrameNs;
        sent += (*forwarder)->next(now, frames);
      }
      now += 10 * dataplane::LegDtmfSender::kFrameNs;
    }
    EXPECT_EQ(guard.count(), 0) << (c.te_pt ? "events" : "tones") << " at " << c.clock;
    EXPECT_TRUE((*forwarder)->finished());
    EXPECT_GT(sent, 20u);
  }
}

// A stereo recording's taps (decode, buffer), a supervisor's room frames
// (resampled from a 16 kHz room) and the frames cut every 20 ms into the
// recorder's ring. The writer threads allocate on their own threads, which
// the guard does not count.
TEST(NoAllocation, SessionRecordingTapsAndFrames) {
  sb::test::TempDir dir;
  recording::RecorderService::Options options;
  options.directory = dir.path();
  recording::RecorderService service(options, 1);
  recording::RecordingSpec spec;
  spec.name = "no-alloc";
  auto id = service.start(spec);
  ASSERT_TRUE(id) << id.status().to_string();
  std::int64_t now = 1'000'000'000;
  dataplane::RecordingSetup setup;
  setup.id = *id;
  setup.legs[0] = {0, codecs::CodecId::kPcmu, 0};
  setup.legs[1] = {9, codecs::CodecId::kG722, 0};
  auto rec = dataplane::SessionRecording::create(setup, service.tap(0), now);
  ASSERT_TRUE(rec) << rec.status().to_string();
  ASSERT_TRUE((*rec)->attach_supervisor(16000).is_ok());
  std::vector<std::uint8_t> pcmu(160, 0xFF), g722(160, 0x00);
  std::vector<std::int16_t> supervisor(320, 1000);
  auto scratch = std::make_unique<dataplane::LegMedia::Scratch>();
  AllocationGuard guard;
  for (int k = 0; k < 100; ++k) {
    (*rec)->on_audio(0, 0, pcmu, *scratch);
    (*rec)->on_audio(1, 9, g722, *scratch);
    (*rec)->supervisor_audio(supervisor);
    now += dataplane::SessionRecording::kFrameNs;
    (*rec)->tick(now);
    if (k == 50) (*rec)->pause();
    if (k == 60) (*rec)->resume();
  }
  (*rec)->stop(now);
  EXPECT_EQ(guard.count(), 0);
}

// A mix room's recording: party frames summed per tick, stereo and mono,
// at the room's rate and resampled from a 16 kHz room to 8 kHz, with
// pause, resume and a skipped stretch, into the recorder's ring.
TEST(NoAllocation, RoomRecordingTicks) {
  sb::test::TempDir dir;
  recording::RecorderService::Options options;
  options.directory = dir.path();
  recording::RecorderService service(options, 1);
  struct Case { int channels, room_rate, rate; };
  for (const Case c : {Case{2, 16000, 8000}, Case{2, 8000, 8000}, Case{1, 16000, 16000}, Case{1, 16000, 8000}}) {
    recording::RecordingSpec spec;
    spec.name = "room-" + std::to_string(c.channels) + "-" + std::to_string(c.room_rate) + "-" + std::to_string(c.rate);
    spec.channels = c.channels;
    spec.sample_rate = c.rate;
    auto id = service.start(spec);
    ASSERT_TRUE(id) << id.status().to_string();
    dataplane::RecordingSetup setup;
    setup.id = *id;
    setup.channels = static_cast<std::uint8_t>(c.channels);
    setup.sample_rate = c.rate;
    setup.left_party = 42;
    auto rec = dataplane::RoomRecording::create(setup, c.room_rate, service.tap(0));
    ASSERT_TRUE(rec) << rec.status().to_string();
    const auto party = sb::test::sine(c.room_rate, 440, -16, 20);
    AllocationGuard guard;
    for (int k = 0; k < 100; ++k) {
      for (int p = 0; p < 3; ++p) (*rec)->add(p == 0, party);
      (*rec)->end_tick();
      if (k == 50) (*rec)->pause();
      if (k == 60) (*rec)->resume();
      if (k == 70) (*rec)->skip(5);
    }
    (*rec)->stop();
    EXPECT_EQ(guard.count(), 0) << spec.name;
  }
}

}  // namespace
}  // namespace sb
