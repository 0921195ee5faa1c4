// Process metrics read from /proc/self at scrape time: CPU seconds,
// resident and virtual memory, open and maximum file descriptors, start
// time. Standard `process_*` names (see metric_catalogue.hpp).
#pragma once

#include <optional>
#include <string_view>

#include "control/metrics/registry.hpp"

namespace sb::metrics {

struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Parses the contents of /proc/<pid>/stat (the command name may hold spaces
// and parentheses). nullopt when malformed.
struct StatFields {
  double utime_ticks = 0, stime_ticks = 0, starttime_ticks = 0, vsize_bytes = 0, rss_pages = 0;
};
std::optional<StatFields> parse_proc_stat(std::string_view text);

// Reads the calling process's figures; fields that cannot be read stay 0.
ProcessStats read_process_stats();

class ProcessCollector final : public Collector {
 public:
  std::vector<const MetricSpec*> describe() const override;
  void collect(std::vector<FamilySnapshot>& out) const override;
};

}  // namespace sb::metrics
