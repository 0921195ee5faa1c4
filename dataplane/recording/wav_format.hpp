// WAV (RIFF/WAVE) headers for recordings: PCM16 and G.711 µ-law, mono or
// stereo, and the fix-up that makes a file cut off mid-write valid again.
//
// The writer puts a complete header first with zero sizes, appends audio,
// and patches the sizes when the recording ends. If the process dies first,
// `repair_wav()` recomputes the sizes from the file length (dropping a torn
// last sample frame), so everything that reached the disk plays.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "dataplane/recording/durable_file.hpp"

namespace sb::recording {

enum class WavEncoding : std::uint8_t { kPcm16, kUlaw };

struct WavLayout {
  WavEncoding encoding = WavEncoding::kPcm16;
  int sample_rate = 8000;
  int channels = 1;
  int bytes_per_sample() const noexcept { return encoding == WavEncoding::kPcm16 ? 2 : 1; }
  int block_align() const noexcept { return bytes_per_sample() * channels; }
};

// The header for `data_bytes` of audio (0 while recording). PCM16 uses the
// 44-byte canonical form; µ-law adds cbSize and a fact chunk (58 bytes), as
// non-PCM WAV requires.
std::vector<std::uint8_t> wav_header(const WavLayout& layout, std::uint32_t data_bytes);

// Repairs a WAV file in place: finds the data chunk by walking the RIFF
// chunks (any valid WAV, not only ours), truncates a torn sample frame and
// writes correct RIFF, data and fact sizes. Returns the number of audio
// bytes kept. Errors: invalid-argument when the file is not RIFF/WAVE or has
// no data chunk; io-error on I/O failure.
Result<std::uint64_t> repair_wav(const std::string& path);

}  // namespace sb::recording

namespace sb::recording {

// Writes a WAV recording: header first (sizes zero), audio appended in
// buffered chunks, sizes patched and the file committed by finish().
class WavWriter {
 public:
  static Result<WavWriter> create(const std::string& final_path, const WavLayout& layout);

  // Interleaved PCM16 (µ-law files are encoded here). Buffered.
  Status append(std::span<const std::int16_t> interleaved);
  // Moves buffered audio to the file (it then survives a process crash).
  Status flush();
  // Flushes, patches the sizes, fsyncs, renames into place, fsyncs the dir.
  Status finish();
  std::uint64_t frames_written() const noexcept { return frames_; }
  const WavLayout& layout() const noexcept { return layout_; }

 private:
  WavWriter(DurableFile f, const WavLayout& l) : file_(std::move(f)), layout_(l) {}
  DurableFile file_;
  WavLayout layout_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t data_bytes_ = 0;
  std::uint64_t frames_ = 0;
};

}  // namespace sb::recording
