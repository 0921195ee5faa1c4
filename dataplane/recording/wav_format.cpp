#include "dataplane/recording/wav_format.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <array>
#include <cstring>

#include "codecs/g711.hpp"

namespace sb::recording {

namespace {

// Writes little-endian fields at a cursor into a pre-sized header (GCC 12
// reports false overflows for byte-by-byte vector insertion).
struct Cursor {
  std::uint8_t* p;
  void u16(std::uint16_t x) {
    *p++ = static_cast<std::uint8_t>(x);
    *p++ = static_cast<std::uint8_t>(x >> 8);
  }
  void u32(std::uint32_t x) {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<std::uint8_t>(x >> (8 * i));
  }
  void tag(const char* t) {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<std::uint8_t>(t[i]);
  }
};

std::uint32_t get32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
std::array<std::uint8_t, 4> le32(std::uint32_t x) {
  return {static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x >> 16),
          static_cast<std::uint8_t>(x >> 24)};
}

}  // namespace

std::vector<std::uint8_t> wav_header(const WavLayout& l, std::uint32_t data_bytes) {
  const bool pcm = l.encoding == WavEncoding::kPcm16;
  const std::uint32_t header = pcm ? 44 : 58;
  std::vector<std::uint8_t> h(header);
  Cursor c{h.data()};
  c.tag("RIFF");
  c.u32(header - 8 + data_bytes);
  c.tag("WAVE");
  c.tag("fmt ");
  c.u32(pcm ? 16 : 18);
  c.u16(pcm ? 1 : 7);  // WAVE_FORMAT_PCM / WAVE_FORMAT_MULAW
  c.u16(static_cast<std::uint16_t>(l.channels));
  c.u32(static_cast<std::uint32_t>(l.sample_rate));
  c.u32(static_cast<std::uint32_t>(l.sample_rate * l.block_align()));
  c.u16(static_cast<std::uint16_t>(l.block_align()));
  c.u16(static_cast<std::uint16_t>(l.bytes_per_sample() * 8));
  if (!pcm) {
    c.u16(0);  // cbSize
    c.tag("fact");
    c.u32(4);
    c.u32(data_bytes / static_cast<std::uint32_t>(l.block_align()));
  }
  c.tag("data");
  c.u32(data_bytes);
  return h;
}

Result<std::uint64_t> repair_wav(const std::string& path) {
  auto handle = RepairHandle::open(path);
  if (!handle) return handle.status();
  const int fd = handle->fd();
  const std::uint64_t file_size = handle->size();
  std::uint8_t head[12];
  if (file_size < 12 || ::pread(fd, head, 12, 0) != 12 || std::memcmp(head, "RIFF", 4) != 0 ||
      std::memcmp(head + 8, "WAVE", 4) != 0)
    return invalid_argument(path + ": not a RIFF/WAVE file");

  // Walk the chunks; the data chunk's size field is not trusted.
  std::uint64_t pos = 12;
  std::uint16_t block_align = 0;
  std::uint64_t fact_offset = 0;
  while (pos + 8 <= file_size) {
    std::uint8_t ch[8];
    if (::pread(fd, ch, 8, static_cast<off_t>(pos)) != 8) return io_error(path + ": read failed");
    const std::uint32_t size = get32(ch + 4);
    if (std::memcmp(ch, "fmt ", 4) == 0 && size >= 16 && pos + 8 + 16 <= file_size) {
      std::uint8_t fmt[16];
      if (::pread(fd, fmt, 16, static_cast<off_t>(pos + 8)) != 16) return io_error(path + ": read failed");
      block_align = get16(fmt + 12);
    } else if (std::memcmp(ch, "fact", 4) == 0) {
      fact_offset = pos + 8;
    } else if (std::memcmp(ch, "data", 4) == 0) {
      if (block_align == 0) return invalid_argument(path + ": data chunk before a valid fmt chunk");
      const std::uint64_t data_start = pos + 8;
      std::uint64_t data_bytes = file_size - data_start;
      data_bytes -= data_bytes % block_align;  // a torn last frame
      if (data_bytes > 0xFFFFFFFFull - data_start) data_bytes = (0xFFFFFFFFull - data_start) / block_align * block_align;
      if (::ftruncate(fd, static_cast<off_t>(data_start + data_bytes)) != 0)
        return io_error("truncate " + path + ": " + std::strerror(errno));
      const auto riff = le32(static_cast<std::uint32_t>(data_start + data_bytes - 8));
      const auto data = le32(static_cast<std::uint32_t>(data_bytes));
      if (::pwrite(fd, riff.data(), 4, 4) != 4 || ::pwrite(fd, data.data(), 4, static_cast<off_t>(pos + 4)) != 4)
        return io_error("write " + path + ": " + std::strerror(errno));
      if (fact_offset) {
        const auto frames = le32(static_cast<std::uint32_t>(data_bytes / block_align));
        if (::pwrite(fd, frames.data(), 4, static_cast<off_t>(fact_offset)) != 4)
          return io_error("write " + path + ": " + std::strerror(errno));
      }
      if (::fsync(fd) != 0) return io_error("fsync " + path + ": " + std::strerror(errno));
      return data_bytes;
    }
    pos += 8 + size + (size & 1);  // chunks are word-aligned
  }
  return invalid_argument(path + ": no data chunk");
}

}  // namespace sb::recording


namespace sb::recording {

namespace {
constexpr std::size_t kFlushBytes = 64 * 1024;
}

Result<WavWriter> WavWriter::create(const std::string& final_path, const WavLayout& layout) {
  if (layout.channels < 1 || layout.channels > 2)
    return invalid_argument("wav: " + std::to_string(layout.channels) + " channels (expected 1 or 2)");
  if (layout.sample_rate < 8000 || layout.sample_rate > 48000)
    return invalid_argument("wav: sample rate " + std::to_string(layout.sample_rate) + " out of range");
  auto f = DurableFile::create(final_path);
  if (!f) return f.status();
  WavWriter w(std::move(*f), layout);
  // The header goes to disk at once: a crash never leaves an empty file.
  SB_RETURN_IF_ERROR(w.file_.append(wav_header(layout, 0)));
  return w;
}

Status WavWriter::append(std::span<const std::int16_t> pcm) {
  const std::size_t start = buffer_.size();
  if (layout_.encoding == WavEncoding::kPcm16) {
    buffer_.resize(start + pcm.size() * 2);
    for (std::size_t i = 0; i < pcm.size(); ++i) {
      const auto v = static_cast<std::uint16_t>(pcm[i]);
      buffer_[start + 2 * i] = static_cast<std::uint8_t>(v);
      buffer_[start + 2 * i + 1] = static_cast<std::uint8_t>(v >> 8);
    }
  } else {
    buffer_.resize(start + pcm.size());
    codecs::g711::ulaw_encode(pcm.data(), pcm.size(), buffer_.data() + start);
  }
  frames_ += pcm.size() / static_cast<std::size_t>(layout_.channels);
  if (buffer_.size() >= kFlushBytes) return flush();
  return Status::ok();
}

Status WavWriter::flush() {
  if (buffer_.empty()) return Status::ok();
  const Status s = file_.append(buffer_);
  if (s.is_ok()) data_bytes_ += buffer_.size();
  buffer_.clear();
  return s;
}

Status WavWriter::finish() {
  SB_RETURN_IF_ERROR(flush());
  SB_RETURN_IF_ERROR(file_.write_at(0, wav_header(layout_, static_cast<std::uint32_t>(data_bytes_))));
  return file_.commit();
}

}  // namespace sb::recording
