// Opus (RFC 6716, RTP per RFC 7587: dynamic PT, 48 kHz RTP clock whatever
// the internal rate) through libopus.
//
// Encoder and decoder are initialised in place (opus_*_init on storage sized
// by opus_*_get_size), so after create() nothing allocates. The application
// is VOIP and the signal hint is voice: that is what every leg carries, and it
// makes libopus favour SILK/hybrid modes with its speech tools enabled.
#include <opus/opus.h>

#include "codecs/registry.hpp"

namespace sb::codecs {

namespace {

bool opus_rate(int r) { return r == 8000 || r == 16000 || r == 48000; }
bool opus_ptime(int p) { return p == 10 || p == 20 || p == 40 || p == 60; }

std::size_t opus_enc_size(const CodecParams&) { return static_cast<std::size_t>(opus_encoder_get_size(1)); }
std::size_t opus_dec_size(const CodecParams&) { return static_cast<std::size_t>(opus_decoder_get_size(1)); }

int opus_enc_init(void* s, const CodecParams& p) {
  auto* enc = static_cast<OpusEncoder*>(s);
  if (opus_encoder_init(enc, p.sample_rate, 1, OPUS_APPLICATION_VOIP) != OPUS_OK) return -1;
  if (opus_encoder_ctl(enc, OPUS_SET_BITRATE(p.bitrate)) != OPUS_OK) return -1;
  if (opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(p.complexity)) != OPUS_OK) return -1;
  if (opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(p.fec ? 1 : 0)) != OPUS_OK) return -1;
  if (opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(p.expected_loss_pct)) != OPUS_OK) return -1;
  if (opus_encoder_ctl(enc, OPUS_SET_DTX(p.dtx ? 1 : 0)) != OPUS_OK) return -1;
  if (opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK) return -1;
  return 0;
}

int opus_dec_init(void* s, const CodecParams& p) {
  return opus_decoder_init(static_cast<OpusDecoder*>(s), p.sample_rate, 1) == OPUS_OK ? 0 : -1;
}

int opus_encode_op(void* s, const std::int16_t* pcm, int n, std::uint8_t* out, int cap) {
  const opus_int32 bytes = opus_encode(static_cast<OpusEncoder*>(s), pcm, n, out, cap);
  if (bytes < 0) return -1;
  // With DTX, libopus returns 1-2 byte packets in silence that need not be
  // sent (RFC 7587 §3.2); report them as "nothing to send".
  return bytes <= 2 ? 0 : bytes;
}

int opus_decode_op(void* s, const std::uint8_t* in, int len, std::int16_t* pcm, int cap) {
  if (len <= 0) return -1;
  const int n = opus_decode(static_cast<OpusDecoder*>(s), in, len, pcm, cap, 0);
  return n < 0 ? -1 : n;
}

int opus_conceal_op(void* s, std::int16_t* pcm, int n) {
  const int got = opus_decode(static_cast<OpusDecoder*>(s), nullptr, 0, pcm, n, 0);
  return got < 0 ? -1 : got;
}

int opus_fec_op(void* s, const std::uint8_t* next, int len, std::int16_t* pcm, int n) {
  if (len <= 0) return opus_conceal_op(s, pcm, n);
  const int got = opus_decode(static_cast<OpusDecoder*>(s), next, len, pcm, n, 1);
  return got < 0 ? -1 : got;
}

}  // namespace

const CodecDescriptor kOpusCodec = {
    CodecId::kOpus, "opus", -1, 48000, 48000, opus_rate, opus_ptime, opus_enc_size, opus_dec_size,
    opus_enc_init, opus_dec_init, opus_encode_op, opus_decode_op, opus_conceal_op, opus_fec_op, nullptr,
};

}  // namespace sb::codecs
