#include "dataplane/recording/recorder.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <unordered_map>
#include <variant>

#include "dataplane/recording/durable_file.hpp"
#include "dataplane/recording/ogg_opus.hpp"
#include "dataplane/recording/wav_format.hpp"

namespace sb::recording {

namespace {

// A hole longer than this is not filled with silence: the tick counter is
// not trustworthy (a worker restarted its clock); the recording carries on.
constexpr std::uint64_t kMaxFillTicks = 60 * 50;

std::string iso8601(Nanos wall) {
  const std::time_t secs = static_cast<std::time_t>(wall.count() / 1'000'000'000);
  const long millis = static_cast<long>((wall.count() / 1'000'000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 200 || n == "." || n == "..") return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::string_view format_name(RecordingFormat f) noexcept {
  switch (f) {
    case RecordingFormat::kWavPcm16: return "wav-pcm16";
    case RecordingFormat::kWavUlaw: return "wav-ulaw";
    case RecordingFormat::kOggOpus: return "ogg-opus";
  }
  return "unknown";
}

std::string_view format_extension(RecordingFormat f) noexcept {
  return f == RecordingFormat::kOggOpus ? ".opus" : ".wav";
}

// One recording slot. The control plane fills `spec` and the start times in
// start(), then publishes the id through the writer's `opens` queue (a
// release/acquire hand-off); the writer only reads them after that.
struct RecorderService::Slot {
  RecordingSpec spec;
  Nanos start_wall{0};
  std::uint32_t generation = 0;
};

struct RecorderService::Writer {
  explicit Writer(std::size_t capacity) : opens(capacity) {}
  MpscQueue<RecordingId> opens;
  std::thread thread;
  // Opens handled; release so wait_idle()'s acquire sees the files created.
  std::atomic<std::uint64_t> opens_handled{0};

  struct Active {
    RecordingId id = 0;
    std::variant<std::monostate, WavWriter, OggOpusWriter> file;
    std::uint64_t next_tick = 0;
    bool paused = false;
    std::uint64_t pause_from = 0;
    nlohmann::json pauses = nlohmann::json::array();
    std::uint64_t gap_frames = 0;
    Nanos last_flush{0};
    std::vector<std::int16_t> scratch;
  };
  std::unordered_map<RecordingId, Active> active;
};

bool RecorderTap::control(RecordingId id, std::uint64_t tick, RecordMessage::Kind kind) noexcept {
  RecordMessage& m = scratch_;
  m.id = id;
  m.tick = tick;
  m.kind = kind;
  m.channels = 0;
  m.samples = 0;
  return push(m);
}

bool RecorderTap::push(const RecordMessage& m) noexcept {
  const std::size_t k = service_->writer_of(m.id);
  if (!service_->ring(worker_, k).try_push(m)) return false;
  // Single producer per ring: a relaxed load+store is a race-free increment.
  auto& pushed = service_->ring_counts_[worker_ * service_->writers_.size() + k].pushed;
  pushed.store(pushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return true;
}

bool RecorderTap::frame(RecordingId id, std::uint64_t tick, std::span<const std::int16_t> pcm, int channels) noexcept {
  RecordMessage& m = scratch_;
  const std::size_t n = std::min(pcm.size(), RecordMessage::kMaxSamples);
  m.id = id;
  m.tick = tick;
  m.kind = RecordMessage::kFrame;
  m.channels = static_cast<std::uint8_t>(channels);
  m.samples = static_cast<std::uint16_t>(n / static_cast<std::size_t>(std::max(channels, 1)));
  std::memcpy(m.pcm, pcm.data(), n * sizeof(std::int16_t));
  if (push(m)) return true;
  service_->counters_.frames_dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool RecorderTap::pause(RecordingId id, std::uint64_t tick) noexcept { return control(id, tick, RecordMessage::kPause); }
bool RecorderTap::resume(RecordingId id, std::uint64_t tick) noexcept { return control(id, tick, RecordMessage::kResume); }
bool RecorderTap::stop(RecordingId id, std::uint64_t tick) noexcept { return control(id, tick, RecordMessage::kStop); }

RecorderService::RecorderService(const Options& options, std::size_t workers, const Clock& clock)
    : options_(options),
      clock_(clock),
      free_slots_(std::max<std::size_t>(options.max_recordings, 1)),
      taps_(std::max<std::size_t>(workers, 1)),
      events_(4096) {
  const std::size_t nwriters = static_cast<std::size_t>(std::max(options.writer_threads, 1));
  for (std::size_t i = 0; i < options_.max_recordings; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    (void)free_slots_.try_push(static_cast<std::uint32_t>(i));
  }
  for (std::size_t w = 0; w < taps_.size(); ++w)
    for (std::size_t k = 0; k < nwriters; ++k) rings_.push_back(std::make_unique<SpscRing<RecordMessage>>(options_.ring_messages));
  ring_counts_.reset(new RingCounts[rings_.size()]);
  for (std::size_t w = 0; w < taps_.size(); ++w) {
    taps_[w].service_ = this;
    taps_[w].worker_ = w;
  }
  for (std::size_t k = 0; k < nwriters; ++k) writers_.push_back(std::make_unique<Writer>(std::max<std::size_t>(options_.max_recordings, 16)));
  for (std::size_t k = 0; k < nwriters; ++k) writers_[k]->thread = std::thread([this, k] { run_writer(k); });
}

RecorderService::~RecorderService() {
  // Release: the writers' acquire load sees everything pushed before.
  stopping_.store(true, std::memory_order_release);
  for (auto& w : writers_)
    if (w->thread.joinable()) w->thread.join();
}

Result<RecordingId> RecorderService::start(RecordingSpec spec) {
  if (!valid_name(spec.name))
    return invalid_argument("recording name '" + spec.name + "' must be 1-200 of [A-Za-z0-9._-] and not a path");
  if (spec.sample_rate != 8000 && spec.sample_rate != 16000)
    return invalid_argument("recording sample_rate " + std::to_string(spec.sample_rate) + " must be 8000 or 16000");
  if (spec.channels != 1 && spec.channels != 2)
    return invalid_argument("recording channels " + std::to_string(spec.channels) + " must be 1 or 2");
  // Never replace a recording (a name reused after a restart would rename
  // over the earlier call's file): the control plane picks unique names.
  {
    const std::string base = options_.directory + "/" + spec.name + std::string(format_extension(spec.format));
    std::error_code ec;
    if (std::filesystem::exists(base, ec) || std::filesystem::exists(base + ".part", ec))
      return already_exists("recording '" + base + "' exists; recordings are never overwritten");
  }
  std::uint32_t index;
  if (!free_slots_.try_pop(index))
    return resource_exhausted("more than " + std::to_string(options_.max_recordings) + " concurrent recordings");
  Slot& slot = *slots_[index];
  slot.spec = std::move(spec);
  slot.start_wall = clock_.wall_now();
  const RecordingId id = (static_cast<RecordingId>(slot.generation) << 32) | index;
  counters_.started.fetch_add(1, std::memory_order_relaxed);
  counters_.active.fetch_add(1, std::memory_order_relaxed);
  opens_pushed_.fetch_add(1, std::memory_order_relaxed);
  if (!writers_[writer_of(id)]->opens.try_push(id)) {
    opens_pushed_.fetch_sub(1, std::memory_order_relaxed);
    counters_.active.fetch_sub(1, std::memory_order_relaxed);
    (void)free_slots_.try_push(index);
    return resource_exhausted("recording writer queue is full");
  }
  return id;
}

// A message pushed before this call has its `pushed` increment visible here
// (program order, or the caller's own synchronisation with the producer);
// `handled` is stored with release after the message was fully handled, and
// loaded here with acquire, so when the counts meet, the handling's effects
// (files written, events queued) are visible to the caller.
void RecorderService::wait_idle() const {
  for (;;) {
    bool idle = true;
    for (std::size_t i = 0; i < rings_.size() && idle; ++i)
      idle = ring_counts_[i].handled.load(std::memory_order_acquire) == ring_counts_[i].pushed.load(std::memory_order_relaxed);
    std::uint64_t opened = 0;
    for (const auto& w : writers_) opened += w->opens_handled.load(std::memory_order_acquire);
    idle = idle && opened == opens_pushed_.load(std::memory_order_relaxed);
    if (idle) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void RecorderService::run_writer(std::size_t me) {
  Writer& self = *writers_[me];
  auto slot_of = [this](RecordingId id) -> Slot& { return *slots_[id & 0xffffffffu]; };

  auto fail_event = [this](RecordingId id, RecorderEvent::Kind kind, const std::string& msg) {
    RecorderEvent ev{};
    ev.id = id;
    ev.kind = kind;
    std::snprintf(ev.message, sizeof ev.message, "%s", msg.c_str());
    while (!events_.try_push(ev)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };

  auto release_slot = [this](RecordingId id) {
    Slot& s = *slots_[id & 0xffffffffu];
    ++s.generation;
    counters_.active.fetch_sub(1, std::memory_order_relaxed);
    (void)free_slots_.try_push(static_cast<std::uint32_t>(id & 0xffffffffu));
  };

  auto open = [&](RecordingId id) {
    Slot& s = slot_of(id);
    const std::string path = options_.directory + "/" + s.spec.name + std::string(format_extension(s.spec.format));
    Writer::Active a;
    a.id = id;
    a.last_flush = clock_.now();
    if (s.spec.format == RecordingFormat::kOggOpus) {
      auto w = OggOpusWriter::create(path, s.spec.sample_rate, s.spec.channels, options_.opus_bitrate);
      if (!w) {
        counters_.failed.fetch_add(1, std::memory_order_relaxed);
        fail_event(id, RecorderEvent::kFailed, w.status().to_string());
        release_slot(id);
        return;
      }
      a.file.emplace<OggOpusWriter>(std::move(*w));
    } else {
      WavLayout layout{s.spec.format == RecordingFormat::kWavUlaw ? WavEncoding::kUlaw : WavEncoding::kPcm16,
                       s.spec.sample_rate, s.spec.channels};
      auto w = WavWriter::create(path, layout);
      if (!w) {
        counters_.failed.fetch_add(1, std::memory_order_relaxed);
        fail_event(id, RecorderEvent::kFailed, w.status().to_string());
        release_slot(id);
        return;
      }
      a.file.emplace<WavWriter>(std::move(*w));
    }
    self.active.emplace(id, std::move(a));
  };

  auto drain_opens = [&] {
    RecordingId id;
    bool any = false;
    while (self.opens.try_pop(id)) {
      open(id);
      self.opens_handled.fetch_add(1, std::memory_order_release);
      any = true;
    }
    return any;
  };

  auto append = [](Writer::Active& a, std::span<const std::int16_t> pcm) -> Status {
    if (auto* w = std::get_if<WavWriter>(&a.file)) return w->append(pcm);
    if (auto* o = std::get_if<OggOpusWriter>(&a.file)) return o->append(pcm);
    return Status::ok();
  };
  auto flush = [](Writer::Active& a) -> Status {
    if (auto* w = std::get_if<WavWriter>(&a.file)) return w->flush();
    if (auto* o = std::get_if<OggOpusWriter>(&a.file)) return o->flush();
    return Status::ok();
  };

  // Ends a recording: commits the file (even after a write error, so what
  // reached the disk is a valid file), writes the sidecar, reports.
  auto finish = [&](Writer::Active& a, const Status& error) {
    Slot& s = slot_of(a.id);
    Status st = error;
    std::uint64_t frames = 0;
    if (auto* w = std::get_if<WavWriter>(&a.file)) {
      frames = w->frames_written();
      const Status f = w->finish();
      if (st.is_ok()) st = f;
    } else if (auto* o = std::get_if<OggOpusWriter>(&a.file)) {
      frames = o->frames_written();
      const Status f = o->finish();
      if (st.is_ok()) st = f;
    }
    if (a.paused) a.pauses.push_back({{"from_seconds", a.pause_from * 0.02}, {"to_seconds", a.next_tick * 0.02}});
    const Nanos end_wall = clock_.wall_now();
    nlohmann::json meta = s.spec.metadata;
    meta["recording"] = {
        {"file", s.spec.name + std::string(format_extension(s.spec.format))},
        {"format", format_name(s.spec.format)},
        {"sample_rate", s.spec.sample_rate},
        {"channels", s.spec.channels},
        {"channel_layout", s.spec.channels == 2 ? "caller-left agent-right" : "mixed"},
        {"start", iso8601(s.start_wall)},
        {"end", iso8601(end_wall)},
        {"duration_seconds", static_cast<double>(frames) / s.spec.sample_rate},
        {"pauses", a.pauses},
        {"gap_seconds", a.gap_frames * 0.02},
        {"status", st.is_ok() ? "complete" : "failed"},
    };
    if (!st.is_ok()) meta["recording"]["error"] = st.to_string();
    const std::string text = meta.dump(2) + "\n";
    const Status side = write_file_durably(options_.directory + "/" + s.spec.name + ".json",
                                           std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    if (st.is_ok() && !side.is_ok()) st = side;
    if (st.is_ok()) {
      counters_.completed.fetch_add(1, std::memory_order_relaxed);
      fail_event(a.id, RecorderEvent::kDone, "");
    } else {
      counters_.failed.fetch_add(1, std::memory_order_relaxed);
      fail_event(a.id, RecorderEvent::kFailed, st.to_string());
    }
    release_slot(a.id);
  };

  auto handle = [&](const RecordMessage& m) {
    auto it = self.active.find(m.id);
    if (it == self.active.end() && drain_opens()) it = self.active.find(m.id);
    if (it == self.active.end()) {
      counters_.stale_messages.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    Writer::Active& a = it->second;
    const RecordingSpec& spec = slot_of(a.id).spec;
    Status st;
    switch (m.kind) {
      case RecordMessage::kFrame: {
        if (m.tick < a.next_tick) {  // out of order or repeated: the timeline has moved on
          counters_.stale_messages.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        const std::size_t frame = static_cast<std::size_t>(spec.sample_rate / 50);
        const std::size_t ch = static_cast<std::size_t>(spec.channels);
        a.scratch.assign(frame * ch, 0);
        std::uint64_t missing = m.tick - a.next_tick;
        if (missing > 0 && missing <= kMaxFillTicks) {
          // Silence keeps the timeline: a paused stretch or dropped frames.
          if (!a.paused) {
            a.gap_frames += missing;
            counters_.gap_frames.fetch_add(missing, std::memory_order_relaxed);
          }
          for (std::uint64_t i = 0; i < missing && st.is_ok(); ++i) st = append(a, a.scratch);
        }
        if (a.paused) {
          a.pauses.push_back({{"from_seconds", a.pause_from * 0.02}, {"to_seconds", m.tick * 0.02}});
          a.paused = false;
        }
        // Fit the frame to the recording's layout.
        const std::size_t n = std::min<std::size_t>(m.samples, frame);
        for (std::size_t i = 0; i < n; ++i) {
          if (m.channels == ch) {
            for (std::size_t c = 0; c < ch; ++c) a.scratch[i * ch + c] = m.pcm[i * ch + c];
          } else if (m.channels == 2 && ch == 1) {
            a.scratch[i] = static_cast<std::int16_t>((m.pcm[2 * i] + m.pcm[2 * i + 1]) / 2);
          } else if (m.channels == 1 && ch == 2) {
            a.scratch[2 * i] = a.scratch[2 * i + 1] = m.pcm[i];
          }
        }
        if (st.is_ok()) st = append(a, a.scratch);
        a.next_tick = m.tick + 1;
        counters_.frames_written.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      case RecordMessage::kPause:
        if (!a.paused) {
          a.paused = true;
          a.pause_from = std::max(m.tick, a.next_tick);
        }
        break;
      case RecordMessage::kResume:
        // Silence for the paused stretch is written when the next frame comes.
        break;
      case RecordMessage::kStop: {
        Writer::Active done = std::move(a);
        self.active.erase(it);
        finish(done, Status::ok());
        return;
      }
    }
    if (!st.is_ok()) {
      Writer::Active broken = std::move(a);
      self.active.erase(it);
      finish(broken, st);
    }
  };

  std::vector<RecordMessage> batch(32);
  for (;;) {
    bool did = drain_opens();
    for (std::size_t w = 0; w < taps_.size(); ++w) {
      const std::size_t n = ring(w, me).pop_burst(batch);
      for (std::size_t i = 0; i < n; ++i) handle(batch[i]);
      if (n > 0) {
        auto& handled = ring_counts_[w * writers_.size() + me].handled;
        handled.store(handled.load(std::memory_order_relaxed) + n, std::memory_order_release);
      }
      did = did || n > 0;
    }
    const Nanos now = clock_.now();
    for (auto it = self.active.begin(); it != self.active.end();) {
      if (now - it->second.last_flush >= options_.flush_interval) {
        it->second.last_flush = now;
        const Status st = flush(it->second);
        if (!st.is_ok()) {
          Writer::Active broken = std::move(it->second);
          it = self.active.erase(it);
          finish(broken, st);
          continue;
        }
      }
      ++it;
    }
    if (!did) {
      // Acquire pairs with the destructor's release store.
      if (stopping_.load(std::memory_order_acquire)) {
        bool empty = self.opens.empty();
        for (std::size_t w = 0; w < taps_.size(); ++w) empty = empty && ring(w, me).empty();
        if (empty) break;
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  // Shutting down: every open recording is finished properly.
  for (auto& [id, a] : self.active) finish(a, Status::ok());
  self.active.clear();
}

}  // namespace sb::recording
