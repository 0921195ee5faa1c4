// Proves that, once created, codecs, DTMF detection, RFC 4733 handling and
// tone generation run without touching the heap: malloc and friends are
// interposed in this binary and count calls made while a guard is active.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <vector>

#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"
#include "ivr/dtmf_detector.hpp"
#include "ivr/rfc4733.hpp"
#include "ivr/tones.hpp"
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

}  // namespace
}  // namespace sb
