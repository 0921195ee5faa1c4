#include "tests/support/process_group.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <thread>

namespace sb::test {

ProcessGroup::ProcessGroup(const std::vector<std::string>& argv, std::string log_path) : log_path_(std::move(log_path)) {
  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return;
  leader_ = fork();
  if (leader_ == 0) {
    setpgid(0, 0);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  // Also from this side: a stop() right after the fork must find the group.
  if (leader_ > 0) setpgid(leader_, leader_);
  close(log_fd);
}

ProcessGroup::~ProcessGroup() { stop(); }

bool ProcessGroup::running() {
  if (leader_ <= 0 || reaped_) return false;
  int status = 0;
  if (waitpid(leader_, &status, WNOHANG) == leader_) reaped_ = true;
  return !reaped_;
}

std::string ProcessGroup::log() const {
  std::ifstream f(log_path_, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

bool ProcessGroup::wait_for_log(const std::string& needle, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find(needle) != std::string::npos) return true;
    if (!running()) return log().find(needle) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void ProcessGroup::stop(std::chrono::milliseconds grace) {
  if (leader_ <= 0) return;
  // Members other than the leader are reparented when it exits and cannot
  // be reaped from here: "gone" is kill(-group, 0) failing, zombies aside,
  // so the grace period bounds the wait either way.
  auto group_gone = [&] {
    running();
    return kill(-leader_, 0) != 0 && errno == ESRCH;
  };
  if (!group_gone()) {
    kill(-leader_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    kill(-leader_, SIGKILL);
  }
  if (!reaped_) {
    int status = 0;
    waitpid(leader_, &status, 0);
    reaped_ = true;
  }
  leader_ = -1;
}

}  // namespace sb::test
