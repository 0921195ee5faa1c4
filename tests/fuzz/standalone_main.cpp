// Runs a libFuzzer target without libFuzzer (GCC builds): every file in the
// corpus directories given as arguments, then 20,000 pseudo-random inputs
// (mutations of the corpus and plain random bytes) from a fixed seed, so a
// failure reproduces. A crash or sanitizer report fails the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::vector<std::vector<std::uint8_t>> corpus;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i], ec)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream f(entry.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
  }
  for (const auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());

  std::mt19937_64 rng(0x5b5b5b5b);
  std::vector<std::uint8_t> buf;
  constexpr int kRuns = 20000;
  for (int run = 0; run < kRuns; ++run) {
    if (!corpus.empty() && run % 2 == 0) {
      buf = corpus[rng() % corpus.size()];
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < flips && !buf.empty(); ++k) {
        switch (rng() % 4) {
          case 0: buf[rng() % buf.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
          case 1: buf[rng() % buf.size()] = static_cast<std::uint8_t>(rng()); break;
          case 2: buf.resize(rng() % (buf.size() + 1)); break;
          default: buf.insert(buf.begin() + static_cast<long>(rng() % (buf.size() + 1)), static_cast<std::uint8_t>(rng())); break;
        }
      }
    } else {
      buf.resize(rng() % 256);
      for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
    }
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("replayed %zu corpus inputs and %d generated inputs\n", corpus.size(), kRuns);
  return 0;
}
