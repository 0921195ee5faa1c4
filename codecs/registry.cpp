#include "codecs/registry.hpp"

#include <array>
#include <cstring>
#include <string>

#include "common/ascii.hpp"

namespace sb::codecs {

namespace {
// Indexed by CodecId.
const std::array<const CodecDescriptor*, kCodecCount> kAll = {&kPcmuCodec, &kPcmaCodec, &kG722Codec, &kOpusCodec};

}  // namespace

std::span<const CodecDescriptor* const> all_codecs() noexcept { return kAll; }

const CodecDescriptor& codec(CodecId id) noexcept { return *kAll[static_cast<std::size_t>(id)]; }

const CodecDescriptor* find_codec(std::string_view sdp_name) noexcept {
  for (const auto* c : kAll)
    if (iequals(c->name, sdp_name)) return c;
  return nullptr;
}

const CodecDescriptor* find_static_payload_type(int pt) noexcept {
  if (pt < 0) return nullptr;
  for (const auto* c : kAll)
    if (c->static_payload_type == pt) return c;
  return nullptr;
}

Result<CodecParams> resolve_params(const CodecDescriptor& c, CodecParams p) {
  if (p.sample_rate == 0) p.sample_rate = c.default_sample_rate;
  if (!c.supports_rate(p.sample_rate))
    return invalid_argument(std::string(c.name) + ": sample_rate " + std::to_string(p.sample_rate) +
                            " is not supported");
  if (!c.supports_ptime(p.ptime_ms))
    return invalid_argument(std::string(c.name) + ": ptime " + std::to_string(p.ptime_ms) +
                            " ms is not supported");
  if (c.id == CodecId::kOpus) {
    if (p.bitrate < 6000 || p.bitrate > 510000)
      return invalid_argument("opus: bitrate " + std::to_string(p.bitrate) + " is outside 6000..510000");
    if (p.complexity < 0 || p.complexity > 10)
      return invalid_argument("opus: complexity " + std::to_string(p.complexity) + " is outside 0..10");
    if (p.expected_loss_pct < 0 || p.expected_loss_pct > 100)
      return invalid_argument("opus: expected_loss_pct " + std::to_string(p.expected_loss_pct) +
                              " is outside 0..100");
  }
  return p;
}

namespace {
std::unique_ptr<std::byte[]> allocate_state(std::size_t bytes) {
  // new[] of std::byte gives __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16), enough for
  // the SpanDSP and Opus states (they hold floats/ints, no SIMD-aligned members).
  return std::unique_ptr<std::byte[]>(new std::byte[bytes == 0 ? 1 : bytes]());
}
}  // namespace

Encoder::Encoder(const CodecDescriptor* c, const CodecParams& p, std::unique_ptr<std::byte[]> s)
    : codec_(c), params_(p), frame_(codecs::frame_samples(p)), state_(std::move(s)) {}

Encoder::~Encoder() {
  if (state_ && codec_->release) codec_->release(state_.get());
}

Result<Encoder> Encoder::create(CodecId id, const CodecParams& params) {
  const CodecDescriptor& c = codecs::codec(id);
  auto p = resolve_params(c, params);
  if (!p) return p.status();
  auto state = allocate_state(c.encoder_size(*p));
  if (c.encoder_init(state.get(), *p) < 0)
    return internal_error(std::string(c.name) + ": encoder initialisation failed");
  return Encoder(&c, *p, std::move(state));
}

Decoder::Decoder(const CodecDescriptor* c, const CodecParams& p, std::unique_ptr<std::byte[]> s)
    : codec_(c), params_(p), frame_(codecs::frame_samples(p)), state_(std::move(s)) {}

Decoder::~Decoder() {
  if (state_ && codec_->release) codec_->release(state_.get());
}

Result<Decoder> Decoder::create(CodecId id, const CodecParams& params) {
  const CodecDescriptor& c = codecs::codec(id);
  auto p = resolve_params(c, params);
  if (!p) return p.status();
  auto state = allocate_state(c.decoder_size(*p));
  if (c.decoder_init(state.get(), *p) < 0)
    return internal_error(std::string(c.name) + ": decoder initialisation failed");
  return Decoder(&c, *p, std::move(state));
}

}  // namespace sb::codecs
