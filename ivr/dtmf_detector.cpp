#include "ivr/dtmf_detector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace sb::ivr {

namespace {

constexpr double kRate = 8000.0;
constexpr double kRows[4] = {697.0, 770.0, 852.0, 941.0};
constexpr double kCols[4] = {1209.0, 1336.0, 1477.0, 1633.0};
constexpr char kKeys[4][4] = {{'1', '2', '3', 'A'}, {'4', '5', '6', 'B'}, {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}};

// Mean square of a 0 dBm0 sine on the G.711 scale (+3.14 dBm0 = full scale).
constexpr double kZeroDbm0MeanSquare = 2.6164e8;
// Average distance of the first/last hit block edge inside the tone.
constexpr std::uint64_t kEdge = DtmfDetector::kBlock * 35 / 100;
// Power ratio between the halves below which the tone does not cover the
// block: 0.7 in power is 84% of a half in amplitude, so a hit block is at
// least 94% covered and two hit blocks need 23.5 ms of tone.
constexpr float kHalfBalance = 0.7f;
// Blocks without the digit that end it. A 10 ms drop-out inside a digit
// spoils at most two blocks and must not split it (Q.24); a 40 ms pause
// between digits always leaves at least four.
constexpr int kMissesToEnd = 3;
// Second harmonic allowed, on average over a digit's hit blocks, up to 18 dB
// below its fundamental. A DTMF tone through G.711 measures below -35 dB
// (below -25 dB with white noise at 15 dB SNR); the vowels that faked digits
// in the talk-off corpus measured -17 to -12 dB.
constexpr float kMaxHarmonic = 0.0158f;

// Four lanes of float: GCC lowers this to SSE on the x86-64-v2 baseline.
typedef float v4 __attribute__((vector_size(16)));

struct FilterBank {
  v4 coeff_row, coeff_col;          // 2·cos(ω)
  float cos_w[8], sin_w[8];         // for the complex Goertzel output
  float cos_wm[8], sin_wm[8];       // e^{-jωM}: joins the halves into a full block
  float wm[8];                      // ωM wrapped to (-π, π]: expected phase advance
  float hz[8];
  float start_re[8], start_im[8];   // e^{-jω(M-1)}: end-referenced -> start-referenced
  float coeff_all[8];               // 2·cos(ω), unvectorised
  float harmonic_coeff[8];          // 2·cos(2ω): the second harmonic's Goertzel
  float hann[DtmfDetector::kBlock]; // for the harmonic check, see analyse_block
  // Leakage of a row tone into a column filter over one half, D(ωc - ωr)
  // with D(δ) = Σ_{n<M} e^{jδn}; the reverse direction is its conjugate.
  float leak_re[4][4], leak_im[4][4];
};

float wrap(double a) {
  a = std::remainder(a, 2 * std::numbers::pi);
  return static_cast<float>(a);
}

FilterBank make_bank() {
  FilterBank b{};
  for (int i = 0; i < 8; ++i) {
    const double f = i < 4 ? kRows[i] : kCols[i - 4];
    const double w = 2 * std::numbers::pi * f / kRate;
    b.hz[i] = static_cast<float>(f);
    b.cos_w[i] = static_cast<float>(std::cos(w));
    b.sin_w[i] = static_cast<float>(std::sin(w));
    b.cos_wm[i] = static_cast<float>(std::cos(w * DtmfDetector::kHalf));
    b.sin_wm[i] = static_cast<float>(-std::sin(w * DtmfDetector::kHalf));
    b.wm[i] = wrap(w * DtmfDetector::kHalf);
    b.harmonic_coeff[i] = static_cast<float>(2 * std::cos(2 * w));
    b.coeff_all[i] = static_cast<float>(2 * std::cos(w));
    b.start_re[i] = static_cast<float>(std::cos(w * (DtmfDetector::kHalf - 1)));
    b.start_im[i] = static_cast<float>(-std::sin(w * (DtmfDetector::kHalf - 1)));
    if (i < 4)
      b.coeff_row[i] = static_cast<float>(2 * std::cos(w));
    else
      b.coeff_col[i - 4] = static_cast<float>(2 * std::cos(w));
  }
  for (int n = 0; n < DtmfDetector::kBlock; ++n)
    b.hann[n] = static_cast<float>(0.5 - 0.5 * std::cos(2 * std::numbers::pi * (n + 0.5) / DtmfDetector::kBlock));
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      const double delta = 2 * std::numbers::pi * (kCols[c] - kRows[r]) / kRate;
      double re = 0, im = 0;
      for (int n = 0; n < DtmfDetector::kHalf; ++n) {
        re += std::cos(delta * n);
        im += std::sin(delta * n);
      }
      b.leak_re[r][c] = static_cast<float>(re);
      b.leak_im[r][c] = static_cast<float>(im);
    }
  }
  return b;
}

// Built during static initialisation; read-only afterwards.
const FilterBank kBank = make_bank();

struct Phasor {
  float re, im;
};

// Separates the two tones of a pair within one half block. Each filter's
// output is its own tone (M·a) plus the other tone seen through the
// rectangular window's sidelobe (D·b); with a strong row and a weak column
// (8 dB normal twist) that sidelobe alone would swing the column's phase by
// 0.4 rad and its half-to-half power by 7 dB. Solving the 2x2 system removes it.
void separate(int r, int c, Phasor xr, Phasor xc, Phasor& a, Phasor& b) {
  const float m = static_cast<float>(DtmfDetector::kHalf);
  const float dre = kBank.leak_re[r][c], dim = kBank.leak_im[r][c];  // d = D(ωc-ωr)
  const float det = m * m - (dre * dre + dim * dim);
  // a = (M·Xr - d·Xc)/det ; b = (M·Xc - conj(d)·Xr)/det
  a.re = (m * xr.re - (dre * xc.re - dim * xc.im)) / det;
  a.im = (m * xr.im - (dre * xc.im + dim * xc.re)) / det;
  b.re = (m * xc.re - (dre * xr.re + dim * xr.im)) / det;
  b.im = (m * xc.im - (dre * xr.im - dim * xr.re)) / det;
}

// Mean square of the component at the frequency whose Goertzel coefficient
// is `coeff`, over a whole block.
float goertzel_power(const float* x, const float* window, int n, float coeff) {
  float s1 = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const float s = x[i] * window[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const float p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0f * p / static_cast<float>(n * n);
}

float db_to_ratio(double db) { return static_cast<float>(std::pow(10.0, db / 10.0)); }

}  // namespace

DtmfDetector::DtmfDetector(const DtmfDetectorOptions& o) noexcept
    : min_power_(static_cast<float>(kZeroDbm0MeanSquare * std::pow(10.0, o.min_level_dbm0 / 10.0))),
      normal_twist_(db_to_ratio(o.normal_twist_db + o.twist_margin_db)),
      reverse_twist_(db_to_ratio(o.reverse_twist_db + o.twist_margin_db)),
      relative_peak_(db_to_ratio(o.relative_peak_db)),
      min_fraction_(static_cast<float>(o.min_tone_fraction)) {
  reset();
}

void DtmfDetector::reset() noexcept {
  fill_ = 0;
  position_ = block_start_ = 0;
  candidate_ = 0;
  candidate_hits_ = 0;
  digit_ = 0;
  misses_ = 0;
  pending_report_ = false;
}

// One block: both halves through all eight filters at once. Four independent
// vector recurrences (rows/columns × first/second half) keep the FP pipes
// busy; the loop is ~14 vector ops per pair of samples. Measured cost is in
// docs/performance.md (BM_DtmfDetect_*).
DtmfDetector::BlockResult DtmfDetector::analyse_block() const noexcept {
  v4 ra1{}, ra2{}, ca1{}, ca2{}, rb1{}, rb2{}, cb1{}, cb2{};
  float ea = 0, eb = 0;
  const v4 kr = kBank.coeff_row, kc = kBank.coeff_col;
  for (int n = 0; n < kHalf; ++n) {
    const float xa = block_[n], xb = block_[n + kHalf];
    const v4 va = {xa, xa, xa, xa}, vb = {xb, xb, xb, xb};
    const v4 ra = va - ra2 + kr * ra1;
    ra2 = ra1;
    ra1 = ra;
    const v4 ca = va - ca2 + kc * ca1;
    ca2 = ca1;
    ca1 = ca;
    const v4 rb = vb - rb2 + kr * rb1;
    rb2 = rb1;
    rb1 = rb;
    const v4 cb = vb - cb2 + kc * cb1;
    cb2 = cb1;
    cb1 = cb;
    ea += xa * xa;
    eb += xb * xb;
  }

  // Complex outputs y = s1 - e^{-jω}·s2 per half, and full-block power.
  float re_a[8], im_a[8], re_b[8], im_b[8], power[8];
  for (int i = 0; i < 8; ++i) {
    const float sa1 = i < 4 ? ra1[i] : ca1[i - 4], sa2 = i < 4 ? ra2[i] : ca2[i - 4];
    const float sb1 = i < 4 ? rb1[i] : cb1[i - 4], sb2 = i < 4 ? rb2[i] : cb2[i - 4];
    re_a[i] = sa1 - kBank.cos_w[i] * sa2;
    im_a[i] = kBank.sin_w[i] * sa2;
    re_b[i] = sb1 - kBank.cos_w[i] * sb2;
    im_b[i] = kBank.sin_w[i] * sb2;
    // Full block: X = Xa + e^{-jωM}·Xb (both halves carry the same end phase factor).
    const float re = re_a[i] + kBank.cos_wm[i] * re_b[i] - kBank.sin_wm[i] * im_b[i];
    const float im = im_a[i] + kBank.cos_wm[i] * im_b[i] + kBank.sin_wm[i] * re_b[i];
    // Mean square of the tone: 2|X|²/N².
    power[i] = 2.0f * (re * re + im * im) / static_cast<float>(kBlock * kBlock);
  }

  int r = 0, c = 4;
  for (int i = 1; i < 4; ++i) {
    if (power[i] > power[r]) r = i;
    if (power[i + 4] > power[c]) c = i + 4;
  }
  const BlockResult miss{0, 0, 0};
  const float pr = power[r], pc = power[c];
  if (pr < min_power_ || pc < min_power_) return miss;
  for (int i = 0; i < 4; ++i) {
    if (i != r && power[i] * relative_peak_ > pr) return miss;
    if (i + 4 != c && power[i + 4] * relative_peak_ > pc) return miss;
  }
  const float mean_square = (ea + eb) / static_cast<float>(kBlock);
  if (pr + pc < min_fraction_ * mean_square) return miss;

  // Start-referenced outputs of the two winning filters, per half.
  auto start_ref = [](int i, float re, float im) {
    return Phasor{re * kBank.start_re[i] - im * kBank.start_im[i], re * kBank.start_im[i] + im * kBank.start_re[i]};
  };
  Phasor row_a, col_a, row_b, col_b;
  separate(r, c - 4, start_ref(r, re_a[r], im_a[r]), start_ref(c, re_a[c], im_a[c]), row_a, col_a);
  separate(r, c - 4, start_ref(r, re_b[r], im_b[r]), start_ref(c, re_b[c], im_b[c]), row_b, col_b);

  float tone_power[2];
  float half_a = 0, half_b = 0;
  const Phasor halves[2][2] = {{row_a, row_b}, {col_a, col_b}};
  for (int t = 0; t < 2; ++t) {
    const int i = t == 0 ? r : c;
    const Phasor& pa_ = halves[t][0];
    const Phasor& pb_ = halves[t][1];
    const float pa = pa_.re * pa_.re + pa_.im * pa_.im;
    const float pb = pb_.re * pb_.re + pb_.im * pb_.im;
    half_a += pa;
    half_b += pb;
    // Phase advance from half a to half b is ω0·M; its excess over ωM is the
    // deviation, unambiguous to ±fs/(2M) = ±78 Hz.
    const float zr = pb_.re * pa_.re + pb_.im * pa_.im;
    const float zi = pb_.im * pa_.re - pb_.re * pa_.im;
    const float dphi = wrap(static_cast<double>(std::atan2(zi, zr)) - static_cast<double>(kBank.wm[i]));
    const float deviation_hz = dphi * static_cast<float>(kRate / (2 * std::numbers::pi * kHalf));
    // Half-way between Q.24's accept band (1.5% + 2 Hz) and reject band (3.5%).
    if (std::fabs(deviation_hz) > 0.025f * kBank.hz[i] + 1.0f) return miss;
    // Mean square of the tone: 2|a|², averaged over the halves.
    tone_power[t] = pa + pb;
  }
  // The pair is present in both halves at nearly the same strength, so the
  // tone covers the block (>= 94% of it) and a partly covered block is not a
  // hit. Both tones share the coverage, so their sum is tested: it halves
  // the spread that noise gives each one alone.
  if (half_a < kHalfBalance * half_b || half_b < kHalfBalance * half_a) return miss;
  if (tone_power[0] > tone_power[1] * normal_twist_ || tone_power[1] > tone_power[0] * reverse_twist_) {
    return miss;
  }
  // Talk-off evidence, computed only for blocks that passed everything
  // else: a vowel whose harmonics land on a row and a column also has
  // harmonics at twice those frequencies; a DTMF generator does not. The
  // decision is taken over the whole run of hit blocks in on_block(), since
  // in one block noise alone can lift a harmonic bin. Hann-windowed, so a
  // tone more than two bins (157 Hz) away leaks below -31 dB; the row
  // harmonics of the 1336/1477 Hz columns fall within 63 Hz of the column
  // tone itself and are not measured.
  float harmonic = 0;
  for (int t = 0; t < 2; ++t) {
    const int i = t == 0 ? r : c;
    if (t == 0 && std::fabs(2 * kBank.hz[r] - kBank.hz[c]) < 160.0f) continue;
    const float fundamental = goertzel_power(block_, kBank.hann, kBlock, kBank.coeff_all[i]);
    const float h = goertzel_power(block_, kBank.hann, kBlock, kBank.harmonic_coeff[i]);
    harmonic = std::max(harmonic, h / fundamental);
  }
  const float weaker = std::min(tone_power[0], tone_power[1]);
  return {kKeys[r][c - 4], static_cast<int>(std::lround(10.0 * std::log10(weaker / kZeroDbm0MeanSquare))), harmonic};
}

void DtmfDetector::on_block(const BlockResult& r, std::uint64_t start, std::uint64_t end) noexcept {
  if (r.digit != 0 && r.digit == candidate_) {
    ++candidate_hits_;
    candidate_harmonic_ += r.harmonic;
  } else {
    candidate_ = r.digit;
    candidate_hits_ = r.digit ? 1 : 0;
    candidate_harmonic_ = r.harmonic;
    candidate_start_ = start;
  }
  if (digit_ != 0) {
    if (r.digit == digit_) {
      misses_ = 0;
      digit_last_end_ = end;
      level_ = std::min(level_, r.level_dbm0);
    } else if (++misses_ >= kMissesToEnd) {
      pending_ = {};
      pending_.digit = digit_;
      pending_.start_sample = digit_start_ > kEdge ? digit_start_ - kEdge : 0;
      pending_.duration_samples = static_cast<std::uint32_t>(digit_last_end_ + kEdge - pending_.start_sample);
      pending_.level_dbm0 = level_;
      pending_report_ = true;
      digit_ = 0;
    }
  }
  if (digit_ == 0 && candidate_hits_ >= 2 &&
      candidate_harmonic_ <= kMaxHarmonic * static_cast<float>(candidate_hits_)) {
    digit_ = candidate_;
    digit_start_ = candidate_start_;
    digit_last_end_ = end;
    misses_ = 0;
    level_ = r.level_dbm0;
  }
}

void DtmfDetector::report(std::span<DtmfDigit> out, std::size_t& count) noexcept {
  if (!pending_report_) return;
  pending_report_ = false;
  if (count < out.size())
    out[count++] = pending_;
  else
    ++dropped_reports_;
}

std::size_t DtmfDetector::process(std::span<const std::int16_t> pcm, std::span<DtmfDigit> out) noexcept {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < pcm.size()) {
    const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(kBlock - fill_), pcm.size() - i);
    for (std::size_t k = 0; k < take; ++k) block_[fill_ + static_cast<int>(k)] = pcm[i + k];
    fill_ += static_cast<int>(take);
    i += take;
    position_ += take;
    if (fill_ == kBlock) {
      on_block(analyse_block(), block_start_, block_start_ + kBlock);
      report(out, count);
      fill_ = 0;
      block_start_ = position_;
    }
  }
  return count;
}

void DtmfDetector::fill_in(int samples) noexcept {
  if (samples <= 0) return;
  position_ += static_cast<std::uint64_t>(samples);
  fill_ = 0;
  block_start_ = position_;
}

std::size_t DtmfDetector::finish(std::span<DtmfDigit> out) noexcept {
  std::size_t count = 0;
  if (digit_ != 0) {
    pending_ = {};
    pending_.digit = digit_;
    pending_.start_sample = digit_start_ > kEdge ? digit_start_ - kEdge : 0;
    // Still sounding: it lasted at least to the last sample fed.
    const std::uint64_t end = std::max(digit_last_end_ + kEdge, position_);
    pending_.duration_samples = static_cast<std::uint32_t>(end - pending_.start_sample);
    pending_.level_dbm0 = level_;
    pending_report_ = true;
    digit_ = 0;
    candidate_ = 0;
    candidate_hits_ = 0;
  }
  report(out, count);
  return count;
}

}  // namespace sb::ivr
