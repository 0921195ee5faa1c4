// Codec self-check: every registered codec encodes and decodes one second of
// a 1 kHz tone and is held to a quality floor. `switchboard selfcheck` runs it
// at install time, so a broken SpanDSP or libopus build is caught before the
// first call instead of by a customer.
#pragma once

#include <string>
#include <vector>

namespace sb::codecs {

struct SelfCheckResult {
  std::string codec;       // "PCMU", "opus/16000" ...
  double snr_db = 0;       // after delay alignment
  double min_snr_db = 0;   // the floor it is held to
  int delay_samples = 0;   // codec delay found by alignment
  std::string error;       // set when the codec could not run at all
  bool passed() const { return error.empty() && snr_db >= min_snr_db; }
};

std::vector<SelfCheckResult> run_codec_self_check();

}  // namespace sb::codecs
