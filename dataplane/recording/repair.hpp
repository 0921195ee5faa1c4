// Crash recovery for a recordings directory: every ".part" left by a killed
// process becomes a valid recording holding all the audio that reached the
// disk, with a metadata sidecar. Used by `switchboard recordings repair DIR`
// and safe to run on a directory a live daemon is not writing to.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"

namespace sb::recording {

struct RepairedFile {
  enum Outcome { kRepaired, kRemovedEmpty, kSidecarRebuilt, kFailed } outcome;
  std::string file;        // the final name (or the .part that failed)
  double duration_seconds = 0;
  std::string error;
};

// Errors: io-error when the directory cannot be read. Per-file problems are
// reported in the list, not as an error.
Result<std::vector<RepairedFile>> repair_recordings(const std::string& directory);

}  // namespace sb::recording
