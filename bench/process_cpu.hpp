// CPU time for the load programs (relay_load, sip_load): what a process
// has spent, user plus system, so a run can report the daemon's cost per
// call or per packet next to the load it carried.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace sb::bench {

// CPU seconds of process `pid` (0: this process) since it started; 0 when
// its /proc entry is gone. Another process's time comes from
// /proc/<pid>/stat fields 14 and 15 (utime, stime, in clock ticks), read
// after the last ')' because the command name may hold spaces and brackets.
inline double process_cpu_seconds(pid_t pid) {
  if (pid == 0) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  }
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (s.empty()) return 0;
  std::istringstream in(s.substr(s.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace sb::bench
