#include "dataplane/recording/ogg_opus.hpp"

#include <fcntl.h>
#include <opus/opus.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

namespace sb::recording {

namespace {

constexpr std::uint8_t kContinued = 0x01, kBeginOfStream = 0x02, kEndOfStream = 0x04;
constexpr std::size_t kPageHeader = 27;
// About a second of 20 ms packets per page: the crash-loss bound.
constexpr std::size_t kPacketsPerPage = 50;

const std::array<std::uint32_t, 256> kCrcTable = [] {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t r = i << 24;
    for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
    t[i] = r;
  }
  return t;
}();

void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
void put64(std::vector<std::uint8_t>& v, std::uint64_t x) {
  for (int i = 0; i < 8; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
std::uint32_t get32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

std::uint32_t ogg_crc(std::span<const std::uint8_t> bytes) noexcept {
  std::uint32_t crc = 0;
  for (std::uint8_t b : bytes) crc = (crc << 8) ^ kCrcTable[((crc >> 24) ^ b) & 0xff];
  return crc;
}

Result<OggOpusWriter> OggOpusWriter::create(const std::string& final_path, int sample_rate, int channels,
                                            int bitrate) {
  if (sample_rate != 8000 && sample_rate != 16000 && sample_rate != 48000)
    return invalid_argument("ogg opus: sample rate " + std::to_string(sample_rate) + " is not 8000, 16000 or 48000");
  if (channels != 1 && channels != 2)
    return invalid_argument("ogg opus: " + std::to_string(channels) + " channels (expected 1 or 2)");
  auto file = DurableFile::create(final_path);
  if (!file) return file.status();

  OggOpusWriter w;
  w.file_ = std::make_unique<DurableFile>(std::move(*file));
  w.rate_ = sample_rate;
  w.channels_ = channels;
  w.frame_ = sample_rate / 50;
  w.encoder_storage_.reset(new std::uint8_t[static_cast<std::size_t>(opus_encoder_get_size(channels))]);
  w.encoder_ = reinterpret_cast<OpusEncoder*>(w.encoder_storage_.get());
  if (opus_encoder_init(w.encoder_, sample_rate, channels, OPUS_APPLICATION_VOIP) != OPUS_OK ||
      opus_encoder_ctl(w.encoder_, OPUS_SET_BITRATE(bitrate * channels)) != OPUS_OK)
    return internal_error("ogg opus: encoder initialisation failed");
  opus_int32 lookahead = 0;
  opus_encoder_ctl(w.encoder_, OPUS_GET_LOOKAHEAD(&lookahead));
  const std::uint16_t pre_skip = static_cast<std::uint16_t>(lookahead * (48000 / sample_rate));
  w.serial_ = std::random_device{}();

  // Identification header (RFC 7845 §5.1), alone on the first page.
  std::vector<std::uint8_t> head = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, static_cast<std::uint8_t>(channels)};
  head.push_back(static_cast<std::uint8_t>(pre_skip));
  head.push_back(static_cast<std::uint8_t>(pre_skip >> 8));
  put32(head, static_cast<std::uint32_t>(sample_rate));
  head.push_back(0);  // output gain
  head.push_back(0);
  head.push_back(0);  // channel mapping family 0: mono or stereo
  // Comment header (§5.2) on its own page.
  const std::string vendor = std::string("switchboard ") + SB_VERSION;
  std::vector<std::uint8_t> tags = {'O', 'p', 'u', 's', 'T', 'a', 'g', 's'};
  put32(tags, static_cast<std::uint32_t>(vendor.size()));
  tags.insert(tags.end(), vendor.begin(), vendor.end());
  put32(tags, 0);
  const std::vector<std::vector<std::uint8_t>> p1 = {head}, p2 = {tags};
  SB_RETURN_IF_ERROR(w.write_page(p1, 0, kBeginOfStream));
  SB_RETURN_IF_ERROR(w.write_page(p2, 0, 0));
  w.granule_ = 0;
  return w;
}

OggOpusWriter::OggOpusWriter(OggOpusWriter&&) noexcept = default;
OggOpusWriter& OggOpusWriter::operator=(OggOpusWriter&&) noexcept = default;
OggOpusWriter::~OggOpusWriter() = default;

Status OggOpusWriter::write_page(std::span<const std::vector<std::uint8_t>> packets, std::int64_t granule,
                                 std::uint8_t flags) {
  std::vector<std::uint8_t> lacing;
  std::size_t body = 0;
  for (const auto& p : packets) {
    std::size_t left = p.size();
    while (left >= 255) {
      lacing.push_back(255);
      left -= 255;
    }
    lacing.push_back(static_cast<std::uint8_t>(left));
    body += p.size();
  }
  if (lacing.size() > 255) return internal_error("ogg: page with more than 255 segments");
  std::vector<std::uint8_t> page = {'O', 'g', 'g', 'S', 0, flags};
  put64(page, static_cast<std::uint64_t>(granule));
  put32(page, serial_);
  put32(page, page_seq_++);
  put32(page, 0);  // CRC, filled below
  page.push_back(static_cast<std::uint8_t>(lacing.size()));
  page.insert(page.end(), lacing.begin(), lacing.end());
  page.reserve(page.size() + body);
  for (const auto& p : packets) page.insert(page.end(), p.begin(), p.end());
  const std::uint32_t crc = ogg_crc(page);
  for (int i = 0; i < 4; ++i) page[22 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
  return file_->append(page);
}

Status OggOpusWriter::encode_frame(const std::int16_t* pcm) {
  std::vector<std::uint8_t> packet(1275 * 2);
  const opus_int32 n = opus_encode(encoder_, pcm, frame_, packet.data(), static_cast<opus_int32>(packet.size()));
  if (n < 0) return internal_error("ogg opus: encode failed");
  packet.resize(static_cast<std::size_t>(n));
  pending_packets_.push_back(std::move(packet));
  granule_ += frame_ * (48000 / rate_);
  if (pending_packets_.size() >= kPacketsPerPage) return flush();
  return Status::ok();
}

Status OggOpusWriter::append(std::span<const std::int16_t> pcm) {
  pending_pcm_.insert(pending_pcm_.end(), pcm.begin(), pcm.end());
  frames_ += pcm.size() / static_cast<std::size_t>(channels_);
  const std::size_t per_frame = static_cast<std::size_t>(frame_ * channels_);
  std::size_t off = 0;
  while (pending_pcm_.size() - off >= per_frame) {
    SB_RETURN_IF_ERROR(encode_frame(pending_pcm_.data() + off));
    off += per_frame;
  }
  pending_pcm_.erase(pending_pcm_.begin(), pending_pcm_.begin() + static_cast<long>(off));
  return Status::ok();
}

Status OggOpusWriter::flush() {
  if (pending_packets_.empty()) return Status::ok();
  auto packets = std::move(pending_packets_);
  pending_packets_.clear();
  return write_page(packets, granule_, 0);
}

Status OggOpusWriter::finish() {
  if (!pending_pcm_.empty()) {
    pending_pcm_.resize(static_cast<std::size_t>(frame_ * channels_), 0);
    SB_RETURN_IF_ERROR(encode_frame(pending_pcm_.data()));
    pending_pcm_.clear();
  }
  // The final page carries end-of-stream, even when it has no packet left.
  auto packets = std::move(pending_packets_);
  pending_packets_.clear();
  SB_RETURN_IF_ERROR(write_page(packets, granule_, kEndOfStream));
  return file_->commit();
}

Result<std::uint64_t> repair_ogg(const std::string& path) {
  auto handle = RepairHandle::open(path);
  if (!handle) return handle.status();
  const int fd = handle->fd();
  const std::uint64_t size = handle->size();

  std::uint64_t pos = 0, pages = 0, last_page = 0, last_len = 0;
  std::vector<std::uint8_t> page;
  while (pos + kPageHeader <= size) {
    std::uint8_t h[kPageHeader + 255];
    if (::pread(fd, h, kPageHeader, static_cast<off_t>(pos)) != static_cast<ssize_t>(kPageHeader)) break;
    if (std::memcmp(h, "OggS", 4) != 0 || h[4] != 0) break;
    const std::size_t segments = h[26];
    if (pos + kPageHeader + segments > size) break;
    if (::pread(fd, h + kPageHeader, segments, static_cast<off_t>(pos + kPageHeader)) != static_cast<ssize_t>(segments))
      break;
    std::size_t body = 0;
    for (std::size_t i = 0; i < segments; ++i) body += h[kPageHeader + i];
    const std::uint64_t len = kPageHeader + segments + body;
    if (pos + len > size) break;
    page.resize(len);
    if (::pread(fd, page.data(), len, static_cast<off_t>(pos)) != static_cast<ssize_t>(len)) break;
    const std::uint32_t stored = get32(page.data() + 22);
    std::memset(page.data() + 22, 0, 4);
    if (ogg_crc(page) != stored) break;
    if (pages == 0 && (len < kPageHeader + 1 + 8 || std::memcmp(page.data() + kPageHeader + segments, "OpusHead", 8) != 0))
      return invalid_argument(path + ": not an Ogg Opus stream");
    last_page = pos;
    last_len = len;
    ++pages;
    pos += len;
  }
  if (pages < 2) return invalid_argument(path + ": the Opus header pages are incomplete");
  if (::ftruncate(fd, static_cast<off_t>(pos)) != 0) return io_error("truncate " + path + ": " + std::strerror(errno));
  // Mark the last page end-of-stream and re-seal its CRC.
  page.resize(last_len);
  if (::pread(fd, page.data(), last_len, static_cast<off_t>(last_page)) != static_cast<ssize_t>(last_len))
    return io_error("read " + path + ": " + std::strerror(errno));
  if (!(page[5] & kEndOfStream) && pages > 2) {
    page[5] |= kEndOfStream;
    std::memset(page.data() + 22, 0, 4);
    const std::uint32_t crc = ogg_crc(page);
    for (int i = 0; i < 4; ++i) page[22 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
    if (::pwrite(fd, page.data(), last_len, static_cast<off_t>(last_page)) != static_cast<ssize_t>(last_len))
      return io_error("write " + path + ": " + std::strerror(errno));
  } else if (pages == 2) {
    // Only the headers survived: append an empty end-of-stream page so the
    // stream is well formed (zero audio).
    std::vector<std::uint8_t> eos = {'O', 'g', 'g', 'S', 0, kEndOfStream};
    put64(eos, 0);
    eos.insert(eos.end(), page.begin() + 14, page.begin() + 18);  // serial
    put32(eos, 2);
    put32(eos, 0);
    eos.push_back(0);
    const std::uint32_t crc = ogg_crc(eos);
    for (int i = 0; i < 4; ++i) eos[22 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
    if (::pwrite(fd, eos.data(), eos.size(), static_cast<off_t>(pos)) != static_cast<ssize_t>(eos.size()))
      return io_error("write " + path + ": " + std::strerror(errno));
    ++pages;
  }
  if (::fsync(fd) != 0) return io_error("fsync " + path + ": " + std::strerror(errno));
  return pages;
}

}  // namespace sb::recording
