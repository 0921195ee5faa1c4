// DTMF audio made by sox (a real, independent generator): two sines mixed
// to one channel per digit, then the digits concatenated.
#pragma once

#include <string>

#include "tests/support/process.hpp"

namespace sb::test {

// Writes `dir/<name>.wav` holding `digits`, each `ms` long at -8 dB gain
// followed by 100 ms of silence, at `rate` with the given sox encoding
// ("signed", "u-law", "a-law") and bits. Returns the path; fails the
// calling test (EXPECT) when sox fails.
std::string sox_digits(const TempDir& dir, const std::string& name, const std::string& digits, int rate,
                       const std::string& encoding = "signed", int bits = 16, int ms = 80);

}  // namespace sb::test
