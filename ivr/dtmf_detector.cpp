#include "ivr/dtmf_detector.hpp"

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

namespace sb::ivr {

namespace {
constexpr std::uint64_t kBlock = 102;  // SpanDSP's DTMF block length
// Mean delay from a tone's true start to SpanDSP's "on" decision: the second
// hit block ends between one and two blocks after the tone began.
constexpr std::uint64_t kConfirmDelay = kBlock * 3 / 2;
static_assert(sizeof(dtmf_rx_state_t) <= 448, "grow DtmfDetector::rx_storage_");
static_assert(alignof(dtmf_rx_state_t) <= 16);

dtmf_rx_state_t* rx(unsigned char* storage) { return reinterpret_cast<dtmf_rx_state_t*>(storage); }
}  // namespace

DtmfDetector::DtmfDetector(const DtmfDetectorOptions& options) noexcept : options_(options) { reset(); }

void DtmfDetector::reset() noexcept {
  dtmf_rx_state_t* s = dtmf_rx_init(rx(rx_storage_), nullptr, nullptr);
  dtmf_rx_parms(s, options_.filter_dialtone ? 1 : 0, options_.normal_twist_db, options_.reverse_twist_db,
                options_.threshold_dbm0);
  dtmf_rx_set_realtime_callback(s, &DtmfDetector::on_tone, this);
  position_ = 0;
  fed_ = 0;
  active_ = false;
  current_ = {};
  on_decision_ = 0;
}

void DtmfDetector::emit(const DtmfDigit& d) noexcept {
  if (d.duration_samples < options_.min_duration_samples) {
    ++rejected_short_;
    return;
  }
  if (out_count_ < out_.size())
    out_[out_count_++] = d;
  else
    ++dropped_reports_;
}

// SpanDSP calls this at the end of a block in which the confirmed state
// changed: `code` is the digit, or 0 for "tone off", and `delay` the samples
// since the previous call, so the running sum of delays is the block-exact
// position of each decision.
void DtmfDetector::on_tone(void* user, int code, int level, int delay) noexcept {
  auto* self = static_cast<DtmfDetector*>(user);
  self->position_ += static_cast<std::uint64_t>(delay < 0 ? 0 : delay);
  if (self->active_) {
    // Any change ends the current digit (off, or straight into another).
    // On and off decisions are delayed alike, so their distance is the
    // digit's duration.
    self->current_.duration_samples = static_cast<std::uint32_t>(self->position_ - self->on_decision_);
    self->active_ = false;
    self->emit(self->current_);
  }
  if (code != 0) {
    self->active_ = true;
    self->current_ = {};
    self->current_.digit = static_cast<char>(code);
    self->current_.level_dbm0 = level;
    self->current_.start_sample = self->position_ > kConfirmDelay ? self->position_ - kConfirmDelay : 0;
    self->on_decision_ = self->position_;
  }
}

std::size_t DtmfDetector::process(std::span<const std::int16_t> pcm, std::span<DtmfDigit> out) noexcept {
  out_ = out;
  out_count_ = 0;
  dtmf_rx(rx(rx_storage_), pcm.data(), static_cast<int>(pcm.size()));
  fed_ += pcm.size();
  out_ = {};
  return out_count_;
}

void DtmfDetector::fill_in(int samples) noexcept {
  dtmf_rx_fillin(rx(rx_storage_), samples);
  // SpanDSP does not count filled-in samples towards its delay sum; keep our
  // clock in step so later start times stay right.
  fed_ += static_cast<std::uint64_t>(samples);
  position_ += static_cast<std::uint64_t>(samples);
}

std::size_t DtmfDetector::finish(std::span<DtmfDigit> out) noexcept {
  out_ = out;
  out_count_ = 0;
  if (active_) {
    // The stream ended while a digit was on: measure to the last sample fed,
    // less the confirmation delay the "on" decision carried.
    const std::uint64_t end = fed_ > on_decision_ ? fed_ : on_decision_;
    current_.duration_samples = static_cast<std::uint32_t>(end - on_decision_ + kConfirmDelay);
    active_ = false;
    emit(current_);
  }
  out_ = {};
  return out_count_;
}

}  // namespace sb::ivr
