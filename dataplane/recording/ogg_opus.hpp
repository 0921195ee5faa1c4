// Ogg Opus recordings (RFC 7845): an Opus encoder feeding Ogg pages
// (RFC 3533), written through a DurableFile, and the repair that turns a file
// cut off mid-write into a valid stream.
//
// Pages are flushed about once a second, so after a crash at most that much
// audio was only in memory; everything on disk is in whole, CRC-checked
// pages that `repair_ogg()` keeps, marking the last one end-of-stream.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "dataplane/recording/durable_file.hpp"

struct OpusEncoder;

namespace sb::recording {

// CRC-32 as Ogg defines it (polynomial 0x04c11db7, MSB first, no reflection,
// initial value and final xor 0).
std::uint32_t ogg_crc(std::span<const std::uint8_t> bytes) noexcept;

class OggOpusWriter {
 public:
  // sample_rate 8000/16000/48000; channels 1 or 2; bitrate per stream.
  static Result<OggOpusWriter> create(const std::string& final_path, int sample_rate, int channels,
                                      int bitrate = 32000);
  OggOpusWriter(OggOpusWriter&&) noexcept;
  OggOpusWriter& operator=(OggOpusWriter&&) noexcept;
  ~OggOpusWriter();

  // Interleaved PCM at the writer's rate; any length (20 ms frames are cut
  // internally).
  Status append(std::span<const std::int16_t> interleaved);
  // Writes the pending page.
  Status flush();
  // Encodes what is left (padded to a frame), writes the end-of-stream page
  // and commits the file.
  Status finish();
  std::uint64_t frames_written() const noexcept { return frames_; }

 private:
  OggOpusWriter() = default;
  Status encode_frame(const std::int16_t* pcm);
  Status write_page(std::span<const std::vector<std::uint8_t>> packets, std::int64_t granule, std::uint8_t flags);

  std::unique_ptr<DurableFile> file_;
  std::unique_ptr<std::uint8_t[]> encoder_storage_;
  OpusEncoder* encoder_ = nullptr;
  int rate_ = 0;
  int channels_ = 0;
  int frame_ = 0;                 // samples per channel per 20 ms
  std::uint32_t serial_ = 0;
  std::uint32_t page_seq_ = 0;
  std::int64_t granule_ = 0;      // 48 kHz samples encoded so far (pre-skip included)
  std::uint64_t frames_ = 0;      // PCM sample frames accepted
  std::vector<std::int16_t> pending_pcm_;
  std::vector<std::vector<std::uint8_t>> pending_packets_;
};

// Keeps every complete page with a valid CRC, drops what follows the last
// one, and marks the last page end-of-stream. Returns the pages kept.
// Errors: invalid-argument when the file does not start with the two Opus
// header pages (nothing recoverable); io-error on I/O failure.
Result<std::uint64_t> repair_ogg(const std::string& path);

}  // namespace sb::recording
