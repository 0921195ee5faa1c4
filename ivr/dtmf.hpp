// A DTMF digit as the in-band detectors report it.
#pragma once

#include <cstdint>

namespace sb::ivr {

struct DtmfDigit {
  char digit = 0;                     // '0'-'9', '*', '#', 'A'-'D'
  std::uint64_t start_sample = 0;     // at 8 kHz, from the first sample fed
  std::uint32_t duration_samples = 0;
  int level_dbm0 = 0;                 // the weaker of the two tones

  std::uint64_t start_ms() const noexcept { return start_sample / 8; }
  std::uint32_t duration_ms() const noexcept { return duration_samples / 8; }
};

}  // namespace sb::ivr
