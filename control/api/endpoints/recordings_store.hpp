// Reading the recordings directory for the API: finished recordings (the
// recorder's `<name>.wav` / `<name>.opus`, written as `.part` and renamed
// when complete) and their JSON metadata sidecars (`<name>.json`).
//
// A recording's id is its name: letters, digits, '-', '_' and '.', not
// starting with '.', at most 200 bytes — the recorder's own rule for names,
// which also makes an id a single path component. Files are opened with
// openat(O_NOFOLLOW) relative to the directory, so no id can reach outside
// it, through ".." or through a symbolic link.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "control/api/http_types.hpp"

namespace sb::api {

struct RecordingEntry {
  std::string id;
  std::string file;          // "call-42.wav"
  std::string format;        // "wav" | "ogg-opus"
  std::string content_type;  // "audio/wav" | "audio/ogg"
  std::uint64_t size_bytes = 0;
  Nanos modified{0};         // wall clock
  nlohmann::json metadata;   // the sidecar, or null
  std::string metadata_error;  // why the sidecar could not be read
  nlohmann::json to_json() const;
};

bool valid_recording_id(std::string_view id) noexcept;

// Newest first (then by id). A missing directory is an empty list.
// IoError when the directory exists but cannot be read.
Result<std::vector<RecordingEntry>> list_recordings(const std::string& dir);
// NotFound for an invalid or unknown id.
Result<RecordingEntry> find_recording(const std::string& dir, std::string_view id);
// The audio file opened for reading; the caller owns the descriptor.
Result<FileBody> open_recording_audio(const std::string& dir, const RecordingEntry& entry);

}  // namespace sb::api
