#include "dataplane/recording/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sb::recording {

namespace {
Status errno_status(const std::string& what, const std::string& path) {
  return io_error(what + " " + path + ": " + std::strerror(errno));
}
std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

Result<DurableFile> DurableFile::create(const std::string& final_path) {
  const std::string part = final_path + ".part";
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot create", part);
  return DurableFile(fd, final_path);
}

DurableFile::DurableFile(DurableFile&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), final_path_(std::move(o.final_path_)), size_(o.size_) {}

DurableFile& DurableFile::operator=(DurableFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    final_path_ = std::move(o.final_path_);
    size_ = o.size_;
  }
  return *this;
}

DurableFile::~DurableFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status DurableFile::append(std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(size_ + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      // Keep size_ at what is known to be written, so a later truncate can
      // drop a torn frame.
      size_ += done;
      return errno_status("write to", part_path());
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += done;
  return Status::ok();
}

Status DurableFile::write_at(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("write to", part_path());
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

Status DurableFile::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return errno_status("truncate", part_path());
  size_ = size;
  return Status::ok();
}

Status DurableFile::commit() {
  if (::fsync(fd_) != 0) return errno_status("fsync", part_path());
  if (::rename(part_path().c_str(), final_path_.c_str()) != 0) return errno_status("rename", part_path());
  ::close(fd_);
  fd_ = -1;
  return sync_directory(parent_dir(final_path_));
}

Result<RepairHandle> RepairHandle::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const Status s = errno_status("stat", path);
    ::close(fd);
    return s;
  }
  return RepairHandle(fd, static_cast<std::uint64_t>(st.st_size));
}

RepairHandle::RepairHandle(RepairHandle&& o) noexcept : fd_(std::exchange(o.fd_, -1)), size_(o.size_) {}

RepairHandle::~RepairHandle() {
  if (fd_ >= 0) ::close(fd_);
}

Status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open directory", dir);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) {
    errno = saved;
    return errno_status("fsync directory", dir);
  }
  return Status::ok();
}

Status write_file_durably(const std::string& path, std::span<const std::uint8_t> bytes) {
  auto f = DurableFile::create(path);
  if (!f) return f.status();
  SB_RETURN_IF_ERROR(f->append(bytes));
  return f->commit();
}

}  // namespace sb::recording
