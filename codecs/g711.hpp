// G.711 µ-law and A-law sample conversion, table driven.
//
// The tables are built once, at start-up, from SpanDSP's reference
// conversion functions, so SpanDSP stays the definition of the companding
// law and the media path pays one L1/L2 lookup per sample instead of a
// bit-scan and branches (see docs/performance.md for the measured gain).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sb::codecs::g711 {

void ulaw_encode(const std::int16_t* pcm, std::size_t n, std::uint8_t* out) noexcept;
void ulaw_decode(const std::uint8_t* in, std::size_t n, std::int16_t* pcm) noexcept;
void alaw_encode(const std::int16_t* pcm, std::size_t n, std::uint8_t* out) noexcept;
void alaw_decode(const std::uint8_t* in, std::size_t n, std::int16_t* pcm) noexcept;

std::int16_t ulaw_to_linear(std::uint8_t v) noexcept;
std::int16_t alaw_to_linear(std::uint8_t v) noexcept;
std::uint8_t linear_to_ulaw(std::int16_t v) noexcept;
std::uint8_t linear_to_alaw(std::int16_t v) noexcept;

}  // namespace sb::codecs::g711
