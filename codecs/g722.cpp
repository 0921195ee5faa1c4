// G.722 at 64 kbit/s through SpanDSP (static PT 9).
//
// RFC 3551 quirk: the RTP clock rate is 8000 although the codec samples at
// 16 kHz, so timestamps advance by half the PCM sample count. SpanDSP can
// also run the codec on 8 kHz PCM (G722_SAMPLE_RATE_8000), which lets an
// 8 kHz pipeline speak G.722 without a resampler.
//
// G.722 has no PLC of its own; SpanDSP's pitch-repeating PLC is run on the
// decoded 16 kHz signal. Its pitch search window is tuned for 8 kHz, so at
// 16 kHz it finds periods of 2.5-7.5 ms (133-400 Hz), which covers most adult
// voices; the cross-fade at the end of a gap works at either rate.
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include "codecs/registry.hpp"

namespace sb::codecs {

namespace {

struct G722Encoder {
  g722_encode_state_t enc;
};
struct G722Decoder {
  g722_decode_state_t dec;
  plc_state_t plc;
};

int options_for(int sample_rate) { return sample_rate == 8000 ? G722_SAMPLE_RATE_8000 : 0; }

bool g722_rate(int r) { return r == 16000 || r == 8000; }
bool g722_ptime(int p) { return p == 10 || p == 20 || p == 30 || p == 40 || p == 60; }
std::size_t g722_enc_size(const CodecParams&) { return sizeof(G722Encoder); }
std::size_t g722_dec_size(const CodecParams&) { return sizeof(G722Decoder); }

int g722_enc_init(void* s, const CodecParams& p) {
  auto* e = static_cast<G722Encoder*>(s);
  return g722_encode_init(&e->enc, 64000, options_for(p.sample_rate)) ? 0 : -1;
}
int g722_dec_init(void* s, const CodecParams& p) {
  auto* d = static_cast<G722Decoder*>(s);
  if (!g722_decode_init(&d->dec, 64000, options_for(p.sample_rate))) return -1;
  return plc_init(&d->plc) ? 0 : -1;
}

int g722_encode_op(void* s, const std::int16_t* pcm, int n, std::uint8_t* out, int cap) {
  auto* e = static_cast<G722Encoder*>(s);
  // One byte per two 16 kHz samples, one byte per 8 kHz sample.
  const int need = (e->enc.eight_k) ? n : n / 2;
  if (cap < need) return -1;
  return g722_encode(&e->enc, out, pcm, n);
}

int g722_decode_op(void* s, const std::uint8_t* in, int len, std::int16_t* pcm, int cap) {
  auto* d = static_cast<G722Decoder*>(s);
  const int produce = d->dec.eight_k ? len : len * 2;
  if (len < 0 || produce > cap) return -1;
  const int n = g722_decode(&d->dec, pcm, in, len);
  if (n > 0) plc_rx(&d->plc, pcm, n);
  return n;
}

int g722_conceal_op(void* s, std::int16_t* pcm, int n) {
  auto* d = static_cast<G722Decoder*>(s);
  return plc_fillin(&d->plc, pcm, n);
}

}  // namespace

const CodecDescriptor kG722Codec = {
    CodecId::kG722, "G722", 9, 8000, 16000, g722_rate, g722_ptime, g722_enc_size, g722_dec_size,
    g722_enc_init, g722_dec_init, g722_encode_op, g722_decode_op, g722_conceal_op, nullptr, nullptr,
};

}  // namespace sb::codecs
