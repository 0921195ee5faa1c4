#include "control/api/endpoints/recordings_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "control/api/event_hub.hpp"
#include "control/api/json_validation.hpp"

namespace sb::api {

namespace {

constexpr std::size_t kMaxListed = 100000;
constexpr std::size_t kMaxSidecarBytes = 1 << 20;

struct AudioKind {
  std::string_view extension, format, content_type;
};
constexpr AudioKind kKinds[] = {{".wav", "wav", "audio/wav"}, {".opus", "ogg-opus", "audio/ogg"}};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

Nanos mtime_of(const struct stat& st) {
  return Nanos{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// Reads the sidecar next to a recording, relative to the directory.
void read_sidecar(int dir_fd, RecordingEntry& e) {
  const std::string name = e.id + ".json";
  Fd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno != ENOENT) e.metadata_error = std::string("cannot open ") + name + ": " + std::strerror(errno);
    return;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    e.metadata_error = name + " is not a regular file";
    return;
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxSidecarBytes) {
    e.metadata_error = name + " is larger than 1 MiB";
    return;
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = read(fd.get(), text.data() + got, text.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  std::string why;
  auto j = parse_strict_json(text, &why);
  if (!j) e.metadata_error = name + " is not valid JSON: " + why;
  else e.metadata = std::move(*j);
}

// Fills `e` for the audio file `name` in the directory, if it is one.
bool describe(int dir_fd, const std::string& name, RecordingEntry& e) {
  for (const auto& k : kKinds) {
    if (name.size() <= k.extension.size() || name.compare(name.size() - k.extension.size(), std::string::npos,
                                                          k.extension.data(), k.extension.size()) != 0)
      continue;
    const std::string id = name.substr(0, name.size() - k.extension.size());
    if (!valid_recording_id(id)) return false;
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return false;
    e.id = id;
    e.file = name;
    e.format = std::string(k.format);
    e.content_type = std::string(k.content_type);
    e.size_bytes = static_cast<std::uint64_t>(st.st_size);
    e.modified = mtime_of(st);
    return true;
  }
  return false;
}

}  // namespace

nlohmann::json RecordingEntry::to_json() const {
  nlohmann::json j = {{"id", id},
                      {"file", file},
                      {"format", format},
                      {"content_type", content_type},
                      {"size_bytes", size_bytes},
                      {"modified", format_utc(modified)},
                      {"metadata", metadata}};
  if (!metadata_error.empty()) j["metadata_error"] = metadata_error;
  return j;
}

bool valid_recording_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 200 || id.front() == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

Result<std::vector<RecordingEntry>> list_recordings(const std::string& dir) {
  std::vector<RecordingEntry> out;
  Fd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) {
    if (errno == ENOENT) return out;
    return io_error("cannot open the recordings directory " + dir + ": " + std::strerror(errno));
  }
  DIR* d = fdopendir(dup(dir_fd.get()));
  if (!d) return io_error("cannot read the recordings directory " + dir + ": " + std::strerror(errno));
  while (const dirent* ent = readdir(d)) {
    if (out.size() >= kMaxListed) break;
    RecordingEntry e;
    if (describe(dir_fd.get(), ent->d_name, e)) out.push_back(std::move(e));
  }
  closedir(d);
  // One recording has one audio file; should both formats exist, the
  // first kind listed above wins, the same choice find_recording() makes.
  std::sort(out.begin(), out.end(), [](const RecordingEntry& a, const RecordingEntry& b) {
    return a.id != b.id ? a.id < b.id : a.format > b.format;  // "wav" before "ogg-opus"
  });
  out.erase(std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id == b.id; }), out.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const RecordingEntry& a, const RecordingEntry& b) { return a.modified > b.modified; });
  for (auto& e : out) read_sidecar(dir_fd.get(), e);
  return out;
}

Result<RecordingEntry> find_recording(const std::string& dir, std::string_view id) {
  if (!valid_recording_id(id)) return not_found("no recording \"" + std::string(id) + "\"");
  Fd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return not_found("no recording \"" + std::string(id) + "\"");
  for (const auto& k : kKinds) {
    RecordingEntry e;
    if (describe(dir_fd.get(), std::string(id) + std::string(k.extension), e)) {
      read_sidecar(dir_fd.get(), e);
      return e;
    }
  }
  return not_found("no recording \"" + std::string(id) + "\"");
}

Result<FileBody> open_recording_audio(const std::string& dir, const RecordingEntry& entry) {
  Fd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return not_found("no recording \"" + entry.id + "\"");
  Fd fd(openat(dir_fd.get(), entry.file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return not_found("no recording \"" + entry.id + "\"");
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return not_found("no recording \"" + entry.id + "\"");
  return FileBody{fd.release(), static_cast<std::uint64_t>(st.st_size)};
}

}  // namespace sb::api
