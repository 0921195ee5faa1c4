#include "control/metrics/process_collector.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include "control/metrics/metric_catalogue.hpp"

namespace sb::metrics {

namespace {

std::string read_small_file(const char* path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Boot time from /proc/stat ("btime <seconds>"): process start times in
// /proc/<pid>/stat count clock ticks since boot.
double boot_time_seconds() {
  std::istringstream in(read_small_file("/proc/stat"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("btime ", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
  return 0;
}

double count_open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 0;
  double n = 0;
  while (const dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the descriptor opendir itself holds
}

}  // namespace

std::optional<StatFields> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // Fields after the command: 3 state, 4 ppid ... 14 utime, 15 stime,
  // 22 starttime, 23 vsize, 24 rss (proc(5)).
  std::string_view rest = text.substr(close + 1);
  double fields[25] = {};
  int field = 3;
  std::size_t i = 0;
  while (i < rest.size() && field <= 24) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    std::size_t j = i;
    while (j < rest.size() && rest[j] != ' ' && rest[j] != '\n') ++j;
    if (j == i) break;
    if (field >= 14) {
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(rest.data() + i, rest.data() + j, v);
      if (ec != std::errc{} || p != rest.data() + j) return std::nullopt;
      fields[field] = static_cast<double>(v);
    }
    ++field;
    i = j;
  }
  if (field <= 24) return std::nullopt;
  return StatFields{fields[14], fields[15], fields[22], fields[23], fields[24]};
}

ProcessStats read_process_stats() {
  ProcessStats s;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (auto f = parse_proc_stat(read_small_file("/proc/self/stat")); f && ticks > 0) {
    s.cpu_seconds = (f->utime_ticks + f->stime_ticks) / ticks;
    s.start_time_seconds = boot_time_seconds() + f->starttime_ticks / ticks;
    s.virtual_bytes = f->vsize_bytes;
    s.resident_bytes = f->rss_pages * page;
  }
  s.open_fds = count_open_fds();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
    s.max_fds = lim.rlim_cur == RLIM_INFINITY ? 0 : static_cast<double>(lim.rlim_cur);
  return s;
}

std::vector<const MetricSpec*> ProcessCollector::describe() const {
  using namespace catalogue;
  return {&process_cpu_seconds, &process_resident_memory, &process_virtual_memory,
          &process_open_fds,    &process_max_fds,         &process_start_time};
}

void ProcessCollector::collect(std::vector<FamilySnapshot>& out) const {
  const ProcessStats s = read_process_stats();
  const double values[] = {s.cpu_seconds, s.resident_bytes, s.virtual_bytes, s.open_fds, s.max_fds,
                           s.start_time_seconds};
  const auto specs = describe();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    FamilySnapshot f;
    f.spec = specs[i];
    f.samples.push_back({{}, values[i]});
    out.push_back(std::move(f));
  }
}

}  // namespace sb::metrics
