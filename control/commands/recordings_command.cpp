// `switchboard recordings repair DIR`: after a crash, turns every ".part"
// in a recordings directory into a valid recording with a sidecar.
#include <cstdio>

#include "control/commands/commands.hpp"
#include "dataplane/recording/repair.hpp"

namespace sb::control {

int run_recordings_repair(const std::string& directory) {
  auto report = recording::repair_recordings(directory);
  if (!report) {
    std::fprintf(stderr, "switchboard recordings repair: %s\n", report.status().message().c_str());
    return 2;
  }
  int failed = 0;
  for (const auto& r : *report) {
    switch (r.outcome) {
      case recording::RepairedFile::kRepaired:
        std::printf("repaired %s (%.2f s)\n", r.file.c_str(), r.duration_seconds);
        break;
      case recording::RepairedFile::kRemovedEmpty:
        std::printf("removed %s (empty: no audio reached the disk)\n", r.file.c_str());
        break;
      case recording::RepairedFile::kSidecarRebuilt:
        std::printf("rebuilt %s\n", r.file.c_str());
        break;
      case recording::RepairedFile::kFailed:
        std::printf("FAILED %s: %s\n", r.file.c_str(), r.error.c_str());
        ++failed;
        break;
    }
  }
  std::printf("%zu file(s) examined, %d failed\n", report->size(), failed);
  return failed ? 1 : 0;
}

}  // namespace sb::control
