#include "dataplane/recording/repair.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/audio_file.hpp"
#include "dataplane/recording/durable_file.hpp"
#include "dataplane/recording/ogg_opus.hpp"
#include "dataplane/recording/wav_format.hpp"

namespace sb::recording {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

double duration_of(const std::string& path) {
  auto clip = read_audio_file(path);
  if (!clip || clip->sample_rate <= 0) return 0;
  return static_cast<double>(clip->frames()) / clip->sample_rate;
}

// The sidecar: the interrupted one if it parses, else a fresh one; marked
// as repaired either way.
Status rebuild_sidecar(const std::string& dir, const std::string& stem, const std::string& audio_file, double seconds) {
  nlohmann::json meta = nlohmann::json::object();
  for (const std::string& candidate : {dir + "/" + stem + ".json", dir + "/" + stem + ".json.part"}) {
    std::ifstream in(candidate);
    if (!in) continue;
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) {
      meta = std::move(parsed);
      break;
    }
  }
  auto& rec = meta["recording"];
  if (!rec.is_object()) rec = nlohmann::json::object();
  rec["file"] = audio_file;
  rec["duration_seconds"] = seconds;
  rec["status"] = "repaired";
  const std::string text = meta.dump(2) + "\n";
  std::error_code ec;
  fs::remove(dir + "/" + stem + ".json.part", ec);
  return write_file_durably(dir + "/" + stem + ".json",
                            std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace

Result<std::vector<RepairedFile>> repair_recordings(const std::string& directory) {
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) return io_error("cannot read directory " + directory + ": " + ec.message());
  std::vector<std::string> parts;
  for (const auto& entry : it)
    if (entry.is_regular_file() && ends_with(entry.path().filename().string(), ".part"))
      parts.push_back(entry.path().filename().string());
  std::sort(parts.begin(), parts.end());

  std::vector<RepairedFile> report;
  bool renamed_any = false;
  for (const std::string& part : parts) {
    const std::string path = directory + "/" + part;
    const std::string final_name = part.substr(0, part.size() - 5);
    const bool wav = ends_with(final_name, ".wav"), opus = ends_with(final_name, ".opus");
    if (ends_with(final_name, ".json")) continue;  // handled with its audio file below
    if (!wav && !opus) {
      report.push_back({RepairedFile::kFailed, part, 0, "unknown recording type"});
      continue;
    }
    if (fs::file_size(path, ec) == 0 && !ec) {
      // Nothing reached the disk: remove it rather than leave an empty file.
      fs::remove(path, ec);
      report.push_back({RepairedFile::kRemovedEmpty, part, 0, ""});
      continue;
    }
    Status st;
    if (wav) {
      auto r = repair_wav(path);
      if (!r) st = r.status();
    } else {
      auto r = repair_ogg(path);
      if (!r) st = r.status();
    }
    if (!st.is_ok()) {
      report.push_back({RepairedFile::kFailed, part, 0, st.message()});
      continue;
    }
    fs::rename(path, directory + "/" + final_name, ec);
    if (ec) {
      report.push_back({RepairedFile::kFailed, part, 0, "rename: " + ec.message()});
      continue;
    }
    renamed_any = true;
    const double seconds = duration_of(directory + "/" + final_name);
    const std::string stem = final_name.substr(0, final_name.rfind('.'));
    const Status side = rebuild_sidecar(directory, stem, final_name, seconds);
    report.push_back({side.is_ok() ? RepairedFile::kRepaired : RepairedFile::kFailed, final_name, seconds,
                      side.is_ok() ? "" : side.message()});
  }
  // Sidecars interrupted after their recording was committed.
  for (const std::string& part : parts) {
    if (!ends_with(part, ".json.part")) continue;
    const std::string stem = part.substr(0, part.size() - 10);
    std::string audio;
    for (const char* ext : {".wav", ".opus"})
      if (fs::exists(directory + "/" + stem + ext)) audio = stem + ext;
    if (audio.empty() || !fs::exists(directory + "/" + part)) continue;
    const double seconds = duration_of(directory + "/" + audio);
    const Status side = rebuild_sidecar(directory, stem, audio, seconds);
    report.push_back({side.is_ok() ? RepairedFile::kSidecarRebuilt : RepairedFile::kFailed, stem + ".json", seconds,
                      side.is_ok() ? "" : side.message()});
  }
  if (renamed_any) SB_RETURN_IF_ERROR(sync_directory(directory));
  return report;
}

}  // namespace sb::recording
