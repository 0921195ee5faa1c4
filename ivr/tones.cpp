#include "ivr/tones.hpp"

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

namespace sb::ivr {

namespace {
static_assert(sizeof(tone_gen_descriptor_t) <= 112);
static_assert(sizeof(tone_gen_state_t) <= 96);
static_assert(sizeof(dtmf_tx_state_t) <= 256);

template <typename T>
T* as(unsigned char* storage) {
  return reinterpret_cast<T*>(storage);
}
}  // namespace

ToneSpec tone_spec(ToneKind kind, ToneRegion region) noexcept {
  switch (region) {
    case ToneRegion::kNorthAmerica:
      switch (kind) {
        case ToneKind::kRingback: return {440, 480, -19, 2000, 4000, 0, 0, true};
        case ToneKind::kBusy: return {480, 620, -24, 500, 500, 0, 0, true};
        case ToneKind::kDial: return {350, 440, -13, 1000, 0, 0, 0, true};
        case ToneKind::kReorder: return {480, 620, -24, 250, 250, 0, 0, true};
        case ToneKind::kBeep: return {1000, 0, -13, 400, 0, 0, 0, false};
      }
      break;
    case ToneRegion::kEurope:
      switch (kind) {
        case ToneKind::kRingback: return {425, 0, -13, 1000, 4000, 0, 0, true};
        case ToneKind::kBusy: return {425, 0, -13, 500, 500, 0, 0, true};
        case ToneKind::kDial: return {425, 0, -13, 1000, 0, 0, 0, true};
        case ToneKind::kReorder: return {425, 0, -13, 250, 250, 0, 0, true};
        case ToneKind::kBeep: return {1000, 0, -13, 400, 0, 0, 0, false};
      }
      break;
    case ToneRegion::kUnitedKingdom:
      switch (kind) {
        case ToneKind::kRingback: return {400, 450, -19, 400, 200, 400, 2000, true};
        case ToneKind::kBusy: return {400, 0, -13, 375, 375, 0, 0, true};
        case ToneKind::kDial: return {350, 440, -13, 1000, 0, 0, 0, true};
        case ToneKind::kReorder: return {400, 0, -13, 400, 350, 225, 525, true};
        case ToneKind::kBeep: return {1000, 0, -13, 400, 0, 0, 0, false};
      }
      break;
  }
  return {};
}

std::string_view tone_kind_name(ToneKind kind) noexcept {
  switch (kind) {
    case ToneKind::kRingback: return "ringback";
    case ToneKind::kBusy: return "busy";
    case ToneKind::kDial: return "dial";
    case ToneKind::kReorder: return "reorder";
    case ToneKind::kBeep: return "beep";
  }
  return "unknown";
}

ToneGenerator::ToneGenerator(const ToneSpec& spec) noexcept : spec_(spec) { restart(); }

void ToneGenerator::restart() noexcept {
  auto* d = as<tone_gen_descriptor_t>(desc_storage_);
  // A continuous tone is one "on" section with no off time; SpanDSP treats a
  // zero-length section as the end of the cadence, so repeat keeps it going.
  tone_gen_descriptor_init(d, spec_.f1_hz, spec_.level_dbm0, spec_.f2_hz, spec_.level_dbm0, spec_.on1_ms,
                           spec_.off1_ms, spec_.on2_ms, spec_.off2_ms, spec_.repeat ? 1 : 0);
  tone_gen_init(as<tone_gen_state_t>(state_storage_), d);
}

int ToneGenerator::generate(std::span<std::int16_t> out) noexcept {
  return tone_gen(as<tone_gen_state_t>(state_storage_), out.data(), static_cast<int>(out.size()));
}

DtmfGenerator::DtmfGenerator(int level_dbm0, int twist_db, int on_ms, int off_ms) noexcept {
  auto* s = dtmf_tx_init(as<dtmf_tx_state_t>(state_storage_));
  dtmf_tx_set_level(s, level_dbm0, twist_db);
  dtmf_tx_set_timing(s, on_ms, off_ms);
}

int DtmfGenerator::queue(std::string_view digits) noexcept {
  // SpanDSP stops at the first character it does not know, so check first
  // and queue the valid prefix.
  std::size_t valid = 0;
  for (char c : digits) {
    const bool ok = (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D') ||
                    (c >= 'a' && c <= 'd');
    if (!ok) break;
    ++valid;
  }
  if (valid == 0) return 0;
  char buf[129];
  const std::size_t n = valid < 128 ? valid : 128;
  for (std::size_t i = 0; i < n; ++i) {
    char c = digits[i];
    if (c >= 'a' && c <= 'd') c = static_cast<char>(c - 'a' + 'A');
    buf[i] = c;
  }
  buf[n] = '\0';
  // SpanDSP loads the string only if all of it fits, and returns how many
  // characters did not fit (0 on success).
  return dtmf_tx_put(as<dtmf_tx_state_t>(state_storage_), buf, static_cast<int>(n)) == 0 ? static_cast<int>(n) : 0;
}

int DtmfGenerator::generate(std::span<std::int16_t> out) noexcept {
  return dtmf_tx(as<dtmf_tx_state_t>(state_storage_), out.data(), static_cast<int>(out.size()));
}

}  // namespace sb::ivr
