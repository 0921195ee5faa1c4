#include "tests/support/sox.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace sb::test {

namespace {

// One digit as sox makes it: two sines mixed to one channel, `ms` long,
// followed by `gap_ms` of silence.
void sox_digit(const std::string& path, int rate, const std::string& encoding, int bits, double row, double col,
               int ms, int gap_ms) {
  const auto r = run({"sox", "-n", "-r", std::to_string(rate), "-e", encoding, "-b", std::to_string(bits), "-c", "1",
                      path, "synth", std::to_string(ms / 1000.0), "sine", std::to_string(row), "sine",
                      std::to_string(col), "remix", "1,2", "gain", "-8", "pad", "0.1",
                      std::to_string(gap_ms / 1000.0)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace

// Concatenates per-digit files made by sox_digit.
std::string sox_digits(const TempDir& dir, const std::string& name, const std::string& digits, int rate,
                       const std::string& encoding, int bits, int ms) {
  static const std::map<char, std::pair<int, int>> freqs = {
      {'1', {697, 1209}}, {'2', {697, 1336}}, {'3', {697, 1477}}, {'4', {770, 1209}}, {'5', {770, 1336}},
      {'6', {770, 1477}}, {'7', {852, 1209}}, {'8', {852, 1336}}, {'9', {852, 1477}}, {'*', {941, 1209}},
      {'0', {941, 1336}}, {'#', {941, 1477}}, {'A', {697, 1633}}, {'B', {770, 1633}}, {'C', {852, 1633}},
      {'D', {941, 1633}}};
  std::vector<std::string> cmd = {"sox"};
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const auto [row, col] = freqs.at(digits[i]);
    const std::string part = dir.file(name + "_" + std::to_string(i) + ".wav");
    sox_digit(part, rate, encoding, bits, row, col, ms, 100);
    cmd.push_back(part);
  }
  const std::string out = dir.file(name + ".wav");
  cmd.push_back(out);
  const auto r = run(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

}  // namespace sb::test
