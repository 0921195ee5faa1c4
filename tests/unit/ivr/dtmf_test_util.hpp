#pragma once

#include <string>
#include <vector>

#include "ivr/dtmf_detector.hpp"
#include "tests/support/signals.hpp"

namespace sb::ivr::test {

using sb::test::Pcm;

// Feeds `x` in 20 ms frames, as the media path does, and returns every
// reported digit, including one still sounding at the end.
inline std::vector<DtmfDigit> detect_all(const Pcm& x, const DtmfDetectorOptions& opt = {}) {
  DtmfDetector det(opt);
  std::vector<DtmfDigit> found;
  DtmfDigit out[8];
  for (std::size_t off = 0; off < x.size(); off += 160) {
    const std::size_t n = std::min<std::size_t>(160, x.size() - off);
    const std::size_t got = det.process(std::span(x).subspan(off, n), out);
    found.insert(found.end(), out, out + got);
  }
  const std::size_t got = det.finish(out);
  found.insert(found.end(), out, out + got);
  return found;
}

inline std::string digits_of(const std::vector<DtmfDigit>& v) {
  std::string s;
  for (const auto& d : v) s.push_back(d.digit);
  return s;
}

}  // namespace sb::ivr::test
