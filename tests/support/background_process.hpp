// A program running beside the test (the switchboard daemon, prometheus):
// output captured while it runs, lines waited for, signals sent, exit
// status collected. The destructor kills what is still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sb::test {

class BackgroundProcess {
 public:
  // Starts argv[0] (searched in PATH) in `cwd` (empty: the test's own).
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& cwd = "");
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // The first stdout line containing `needle`, waiting up to `limit`.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds limit = std::chrono::seconds(20));
  void signal(int sig);
  // The exit code once the process ends within `limit`; nullopt on timeout
  // or when a signal killed it.
  std::optional<int> wait_exit(std::chrono::milliseconds limit = std::chrono::seconds(30));

  std::string out() const;
  std::string err() const;

 private:
  void pump();
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string out_, err_;
  bool exited_ = false;
  int status_ = 0;
};

}  // namespace sb::test
