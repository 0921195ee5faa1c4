#include "ivr/spandsp_dtmf_detector.hpp"

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

namespace sb::ivr {

namespace {
constexpr std::uint64_t kBlock = 102;  // SpanDSP's DTMF block length
// Mean delay from a tone's start to SpanDSP's "on" decision.
constexpr std::uint64_t kConfirmDelay = kBlock * 3 / 2;
static_assert(sizeof(dtmf_rx_state_t) <= 448, "grow SpanDspDtmfDetector::rx_storage_");
static_assert(alignof(dtmf_rx_state_t) <= 16);

dtmf_rx_state_t* rx(unsigned char* storage) { return reinterpret_cast<dtmf_rx_state_t*>(storage); }
}  // namespace

SpanDspDtmfDetector::SpanDspDtmfDetector(const SpanDspDtmfOptions& options) noexcept : options_(options) { reset(); }

void SpanDspDtmfDetector::reset() noexcept {
  dtmf_rx_state_t* s = dtmf_rx_init(rx(rx_storage_), nullptr, nullptr);
  dtmf_rx_parms(s, options_.filter_dialtone ? 1 : 0, options_.normal_twist_db, options_.reverse_twist_db,
                options_.threshold_dbm0);
  dtmf_rx_set_realtime_callback(s, &SpanDspDtmfDetector::on_tone, this);
  position_ = fed_ = on_decision_ = 0;
  active_ = false;
  current_ = {};
}

void SpanDspDtmfDetector::emit(const DtmfDigit& d) noexcept {
  if (out_count_ < out_.size()) out_[out_count_++] = d;
}

// SpanDSP calls this at the end of a block in which the confirmed state
// changed: `code` is the digit or 0 for "off", and `delay` the samples since
// the previous call, so the running sum of delays is each decision's position.
void SpanDspDtmfDetector::on_tone(void* user, int code, int level, int delay) noexcept {
  auto* self = static_cast<SpanDspDtmfDetector*>(user);
  self->position_ += static_cast<std::uint64_t>(delay < 0 ? 0 : delay);
  if (self->active_) {
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

std::size_t SpanDspDtmfDetector::process(std::span<const std::int16_t> pcm, std::span<DtmfDigit> out) noexcept {
  out_ = out;
  out_count_ = 0;
  dtmf_rx(rx(rx_storage_), pcm.data(), static_cast<int>(pcm.size()));
  fed_ += pcm.size();
  out_ = {};
  return out_count_;
}

std::size_t SpanDspDtmfDetector::finish(std::span<DtmfDigit> out) noexcept {
  out_ = out;
  out_count_ = 0;
  if (active_) {
    const std::uint64_t end = fed_ > on_decision_ ? fed_ : on_decision_;
    current_.duration_samples = static_cast<std::uint32_t>(end - on_decision_ + kConfirmDelay);
    active_ = false;
    emit(current_);
  }
  out_ = {};
  return out_count_;
}

}  // namespace sb::ivr
