// Call recording: dataplane workers tap audio into per-worker SPSC rings;
// writer threads drain them and write WAV or Ogg Opus files durably, with a
// JSON metadata sidecar.
//
//   RecorderService rec({.directory = "var/recordings"}, workers, clock);
//   auto id = rec.start({.name = "call-42", .format = kWavPcm16, ...});  // control plane
//   RecorderTap& tap = rec.tap(worker);                                    // per worker
//   tap.frame(*id, tick, pcm20ms, 2);          // media path: try_push, never blocks
//   tap.pause(*id, tick); tap.resume(*id, tick); tap.stop(*id, tick);
//   while (rec.poll_event(ev)) ...             // control plane: done / failed
//
// Why this shape:
//  * A worker never waits for a disk. Frames go into its own SPSC ring; when
//    a ring is full the frame is dropped and counted, and the writer fills
//    the hole with silence so the recording keeps the call's timeline.
//  * Every message of one recording travels through one ring in order, so a
//    stop can never overtake the last frames. The control plane publishes
//    the recording's spec before it tells the worker to tap (the command
//    ring orders that), so a writer that sees a frame can always find it.
//  * Files are written as ".part", flushed to the kernel at least every
//    flush_interval (so a killed process loses at most that much), fsynced,
//    renamed and the directory fsynced at stop; the sidecar likewise. After
//    a crash, `switchboard recordings repair DIR` finishes the ".part" files.
//  * A write error (disk full, I/O error) stops that recording with a
//    `failed` event and a counter; other recordings and workers carry on.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/queues.hpp"
#include "common/status.hpp"

namespace sb::recording {

enum class RecordingFormat : std::uint8_t { kWavPcm16, kWavUlaw, kOggOpus };

std::string_view format_name(RecordingFormat f) noexcept;
std::string_view format_extension(RecordingFormat f) noexcept;

struct RecordingSpec {
  std::string name;                 // file stem: letters, digits, '-', '_', '.'; no path
  RecordingFormat format = RecordingFormat::kWavPcm16;
  int sample_rate = 8000;           // 8000 or 16000
  int channels = 2;                 // 2: caller left, agent right; 1: mixed
  nlohmann::json metadata = nlohmann::json::object();  // call id, legs, parties, queue, agent ...
};

// A recording's handle: slot in the low 32 bits, generation above, so a
// stale handle never reaches a reused slot.
using RecordingId = std::uint64_t;

// What travels in a worker's ring. 20 ms at up to 16 kHz, stereo.
struct RecordMessage {
  enum Kind : std::uint8_t { kFrame, kPause, kResume, kStop };
  static constexpr std::size_t kMaxSamples = 640;
  RecordingId id;
  std::uint64_t tick;      // 20 ms ticks since the recording started
  Kind kind;
  std::uint8_t channels;
  std::uint16_t samples;   // per channel
  std::int16_t pcm[kMaxSamples];
};

struct RecorderEvent {
  enum Kind : std::uint8_t { kDone, kFailed };
  RecordingId id;
  Kind kind;
  char message[120];       // the error for kFailed
};

struct RecorderCounters {
  std::atomic<std::uint64_t> started{0};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> active{0};
  std::atomic<std::uint64_t> frames_written{0};
  std::atomic<std::uint64_t> frames_dropped{0};   // ring full at the worker
  std::atomic<std::uint64_t> gap_frames{0};       // silence written for dropped frames
  std::atomic<std::uint64_t> stale_messages{0};   // for a recording that had already ended
};

class RecorderService;

// One worker's side: allocation-free, lock-free, never blocks.
class RecorderTap {
 public:
  // False when the ring is full (the frame is counted as dropped).
  bool frame(RecordingId id, std::uint64_t tick, std::span<const std::int16_t> interleaved, int channels) noexcept;
  bool pause(RecordingId id, std::uint64_t tick) noexcept;
  bool resume(RecordingId id, std::uint64_t tick) noexcept;
  bool stop(RecordingId id, std::uint64_t tick) noexcept;

 private:
  friend class RecorderService;
  bool control(RecordingId id, std::uint64_t tick, RecordMessage::Kind kind) noexcept;
  bool push(const RecordMessage& m) noexcept;
  RecorderService* service_ = nullptr;
  std::size_t worker_ = 0;
  RecordMessage scratch_{};
};

class RecorderService {
 public:
  struct Options {
    std::string directory = "var/recordings";
    int writer_threads = 1;
    std::size_t ring_messages = 512;       // per worker and writer (about 10 s of one call)
    std::size_t max_recordings = 4096;     // concurrent
    Nanos flush_interval = std::chrono::milliseconds(500);
    int opus_bitrate = 32000;              // per channel
  };

  // Starts the writer threads. `workers` producer taps are created.
  RecorderService(const Options& options, std::size_t workers, const Clock& clock = SteadyClock::instance());
  ~RecorderService();  // finishes every open recording, then joins
  RecorderService(const RecorderService&) = delete;
  RecorderService& operator=(const RecorderService&) = delete;

  // Control plane. Errors: invalid-argument (bad name, rate, channels),
  // resource-exhausted (too many concurrent recordings).
  Result<RecordingId> start(RecordingSpec spec);
  RecorderTap& tap(std::size_t worker) noexcept { return taps_[worker]; }
  bool poll_event(RecorderEvent& out) noexcept { return events_.try_pop(out); }
  const RecorderCounters& counters() const noexcept { return counters_; }
  const std::string& directory() const noexcept { return options_.directory; }
  // Blocks until every message pushed before the call (by this thread, or
  // by threads synchronised with it) has been handled (tests, drain).
  void wait_idle() const;

 private:
  friend class RecorderTap;
  struct Slot;
  struct Writer;

  void run_writer(std::size_t index);
  std::size_t writer_of(RecordingId id) const noexcept { return static_cast<std::size_t>(id & 0xffffffffu) % writers_.size(); }
  SpscRing<RecordMessage>& ring(std::size_t worker, std::size_t writer) noexcept {
    return *rings_[worker * writers_.size() + writer];
  }

  Options options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Slot>> slots_;
  MpscQueue<std::uint32_t> free_slots_;
  std::vector<std::unique_ptr<SpscRing<RecordMessage>>> rings_;
  // Per ring: messages pushed (written only by the ring's producer) and
  // handled (written only by its writer). Single writer each, so relaxed
  // load+store increments; see wait_idle() for the read side.
  struct RingCounts {
    std::atomic<std::uint64_t> pushed{0};
    std::atomic<std::uint64_t> handled{0};
  };
  std::unique_ptr<RingCounts[]> ring_counts_;
  std::atomic<std::uint64_t> opens_pushed_{0};
  std::vector<RecorderTap> taps_;
  std::vector<std::unique_ptr<Writer>> writers_;
  MpscQueue<RecorderEvent> events_;
  RecorderCounters counters_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sb::recording
