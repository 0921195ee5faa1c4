// G.711 µ-law (PCMU, PT 0) and A-law (PCMA, PT 8) with SpanDSP PLC.
#include "codecs/g711.hpp"

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include <array>

#include "codecs/registry.hpp"

namespace sb::codecs {

namespace g711 {
namespace {

struct Tables {
  // Indexed by the int16 sample reinterpreted as uint16: 64 KiB per law.
  std::array<std::uint8_t, 65536> to_ulaw;
  std::array<std::uint8_t, 65536> to_alaw;
  std::array<std::int16_t, 256> from_ulaw;
  std::array<std::int16_t, 256> from_alaw;
};

Tables build() {
  Tables t{};
  for (int i = 0; i < 65536; ++i) {
    const auto s = static_cast<std::int16_t>(static_cast<std::uint16_t>(i));
    t.to_ulaw[static_cast<std::size_t>(i)] = ::linear_to_ulaw(s);
    t.to_alaw[static_cast<std::size_t>(i)] = ::linear_to_alaw(s);
  }
  for (int i = 0; i < 256; ++i) {
    t.from_ulaw[static_cast<std::size_t>(i)] = ::ulaw_to_linear(static_cast<std::uint8_t>(i));
    t.from_alaw[static_cast<std::size_t>(i)] = ::alaw_to_linear(static_cast<std::uint8_t>(i));
  }
  return t;
}

// Built during static initialisation, before main(); only functions in this
// file read it, and none of them runs from another static initialiser.
const Tables kTables = build();

}  // namespace

void ulaw_encode(const std::int16_t* pcm, std::size_t n, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = kTables.to_ulaw[static_cast<std::uint16_t>(pcm[i])];
}
void ulaw_decode(const std::uint8_t* in, std::size_t n, std::int16_t* pcm) noexcept {
  for (std::size_t i = 0; i < n; ++i) pcm[i] = kTables.from_ulaw[in[i]];
}
void alaw_encode(const std::int16_t* pcm, std::size_t n, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = kTables.to_alaw[static_cast<std::uint16_t>(pcm[i])];
}
void alaw_decode(const std::uint8_t* in, std::size_t n, std::int16_t* pcm) noexcept {
  for (std::size_t i = 0; i < n; ++i) pcm[i] = kTables.from_alaw[in[i]];
}
std::int16_t ulaw_to_linear(std::uint8_t v) noexcept { return kTables.from_ulaw[v]; }
std::int16_t alaw_to_linear(std::uint8_t v) noexcept { return kTables.from_alaw[v]; }
std::uint8_t linear_to_ulaw(std::int16_t v) noexcept { return kTables.to_ulaw[static_cast<std::uint16_t>(v)]; }
std::uint8_t linear_to_alaw(std::int16_t v) noexcept { return kTables.to_alaw[static_cast<std::uint16_t>(v)]; }

}  // namespace g711

namespace {

// Shared by both laws: the decoder keeps SpanDSP's PLC history, fed with
// every good frame so a concealed frame continues the last pitch period.
struct G711Decoder {
  plc_state_t plc;
  bool ulaw;
};

bool g711_rate(int r) { return r == 8000; }
bool g711_ptime(int p) { return p == 10 || p == 20 || p == 30 || p == 40 || p == 60; }
std::size_t g711_enc_size(const CodecParams&) { return 1; }
std::size_t g711_dec_size(const CodecParams&) { return sizeof(G711Decoder); }
int g711_enc_init(void*, const CodecParams&) { return 0; }

int g711_dec_init_law(void* s, bool ulaw) {
  auto* d = static_cast<G711Decoder*>(s);
  d->ulaw = ulaw;
  return plc_init(&d->plc) ? 0 : -1;
}
int ulaw_dec_init(void* s, const CodecParams&) { return g711_dec_init_law(s, true); }
int alaw_dec_init(void* s, const CodecParams&) { return g711_dec_init_law(s, false); }

int ulaw_encode_op(void*, const std::int16_t* pcm, int n, std::uint8_t* out, int cap) {
  if (cap < n) return -1;
  g711::ulaw_encode(pcm, static_cast<std::size_t>(n), out);
  return n;
}
int alaw_encode_op(void*, const std::int16_t* pcm, int n, std::uint8_t* out, int cap) {
  if (cap < n) return -1;
  g711::alaw_encode(pcm, static_cast<std::size_t>(n), out);
  return n;
}

int g711_decode_op(void* s, const std::uint8_t* in, int len, std::int16_t* pcm, int cap) {
  auto* d = static_cast<G711Decoder*>(s);
  if (len > cap || len < 0) return -1;
  if (d->ulaw)
    g711::ulaw_decode(in, static_cast<std::size_t>(len), pcm);
  else
    g711::alaw_decode(in, static_cast<std::size_t>(len), pcm);
  // plc_rx also cross-fades the first good frame after a concealed run,
  // which is what removes the click at the end of a gap.
  plc_rx(&d->plc, pcm, len);
  return len;
}

int g711_conceal_op(void* s, std::int16_t* pcm, int n) {
  auto* d = static_cast<G711Decoder*>(s);
  return plc_fillin(&d->plc, pcm, n);
}

}  // namespace

const CodecDescriptor kPcmuCodec = {
    CodecId::kPcmu, "PCMU", 0, 8000, 8000, g711_rate, g711_ptime, g711_enc_size, g711_dec_size,
    g711_enc_init, ulaw_dec_init, ulaw_encode_op, g711_decode_op, g711_conceal_op, nullptr, nullptr,
};

const CodecDescriptor kPcmaCodec = {
    CodecId::kPcma, "PCMA", 8, 8000, 8000, g711_rate, g711_ptime, g711_enc_size, g711_dec_size,
    g711_enc_init, alaw_dec_init, alaw_encode_op, g711_decode_op, g711_conceal_op, nullptr, nullptr,
};

}  // namespace sb::codecs
