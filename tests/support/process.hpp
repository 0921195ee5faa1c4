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

// A program started in the background with its stdout readable line by
// line (stderr is inherited, so it shows in the test log). Killed with
// SIGKILL on destruction if still running.
class Child {
 public:
  static Child spawn(const std::vector<std::string>& argv);
  Child(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  bool started() const { return pid_ > 0; }
  int pid() const { return pid_; }
  // The next line of stdout (without the newline); false on EOF or timeout.
  bool read_line(std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void kill(int signal);
  // Exit code, or 128 + signal when killed; -1 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  Child() = default;
  int pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = 0;
};

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
