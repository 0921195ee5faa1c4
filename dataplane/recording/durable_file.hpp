// Files that survive crashes: written under a ".part" name, made durable
// with fsync, renamed into place, and the directory entry made durable too.
// A reader therefore sees either nothing, a ".part" (an unfinished file that
// `switchboard recordings repair` can turn into a valid one), or a complete
// file; never a complete-looking name with half its content.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.hpp"

namespace sb::recording {

class DurableFile {
 public:
  // Creates (truncating) `final_path` + ".part".
  static Result<DurableFile> create(const std::string& final_path);

  DurableFile(DurableFile&& o) noexcept;
  DurableFile& operator=(DurableFile&& o) noexcept;
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;
  ~DurableFile();  // closes; leaves the .part in place if not committed

  const std::string& final_path() const noexcept { return final_path_; }
  std::string part_path() const { return final_path_ + ".part"; }
  std::uint64_t size() const noexcept { return size_; }

  // Appends all of `bytes` (retrying short writes). Errors: io-error with
  // strerror, e.g. "No space left on device".
  Status append(std::span<const std::uint8_t> bytes);
  // Overwrites at `offset` (header fix-ups).
  Status write_at(std::uint64_t offset, std::span<const std::uint8_t> bytes);
  // Shrinks the file to `size` bytes (drop a partly written frame).
  Status truncate(std::uint64_t size);
  // fsync the data, rename .part to the final name, fsync the directory.
  Status commit();

 private:
  DurableFile(int fd, std::string final_path) : fd_(fd), final_path_(std::move(final_path)) {}
  int fd_ = -1;
  std::string final_path_;
  std::uint64_t size_ = 0;
};

// An existing file opened read-write for in-place repair, closed on scope
// exit, with its size at open.
class RepairHandle {
 public:
  // Errors: io-error naming the file and the OS reason.
  static Result<RepairHandle> open(const std::string& path);
  RepairHandle(RepairHandle&& o) noexcept;
  RepairHandle(const RepairHandle&) = delete;
  RepairHandle& operator=(const RepairHandle&) = delete;
  RepairHandle& operator=(RepairHandle&&) = delete;
  ~RepairHandle();
  int fd() const noexcept { return fd_; }
  std::uint64_t size() const noexcept { return size_; }

 private:
  RepairHandle(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::uint64_t size_;
};

// fsync on a directory, so a rename or create in it is durable.
Status sync_directory(const std::string& dir);
// Writes a small file (a metadata sidecar) durably: .part, fsync, rename, dir fsync.
Status write_file_durably(const std::string& path, std::span<const std::uint8_t> bytes);

}  // namespace sb::recording
