// A program that forks workers of its own (kamailio: a main process and
// its children, all in the foreground with -DD): started in a new process
// group with stdout and stderr going to a log file, so no forked worker
// can hold a pipe of the test open, and stopped by signalling the whole
// group. BackgroundProcess suits programs that stay one process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace sb::test {

class ProcessGroup {
 public:
  // Starts argv[0] (searched in PATH) as the leader of a new process group.
  ProcessGroup(const std::vector<std::string>& argv, std::string log_path);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  bool started() const { return leader_ > 0; }
  // False once the leader has exited (it is reaped then).
  bool running();
  // Everything the group wrote so far.
  std::string log() const;
  // True when the log holds `needle` within `limit`; false early when the
  // leader exits without writing it.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds limit = std::chrono::seconds(20));
  // SIGTERM to the group, SIGKILL to what is left after `grace`; reaps
  // the leader. Safe to call twice.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t leader_ = -1;
  bool reaped_ = false;
  std::string log_path_;
};

}  // namespace sb::test
