// Running real programs from tests: the switchboard binary under test and
// peers from Debian (sox, espeak-ng, ffmpeg ...), with output captured.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace sb::test {

struct RunResult {
  int exit_code = -1;      // -1 when the program could not be started or timed out
  std::string out;
  std::string err;
};

// Runs argv[0] (searched in PATH) with a timeout; stdin is /dev/null.
RunResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(120));

// True when `name` is an executable on PATH.
bool have_program(const std::string& name);

// Path of the switchboard binary under test (SB_BINARY, set by meson).
std::string switchboard_binary();
// tests/data in the source tree (SB_TEST_DATA, set by meson).
std::string test_data_dir();

// A fresh directory under $TMPDIR, removed with everything in it on scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace sb::test
