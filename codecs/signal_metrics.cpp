#include "codecs/signal_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace sb::codecs {

namespace {

struct Overlap {
  std::size_t ref_begin, test_begin, len;
};

Overlap overlap(std::size_t ref_n, std::size_t test_n, int lag) {
  // Pair ref[i] with test[i + lag].
  std::size_t rb = 0, tb = 0;
  if (lag >= 0)
    tb = static_cast<std::size_t>(lag);
  else
    rb = static_cast<std::size_t>(-lag);
  if (rb >= ref_n || tb >= test_n) return {0, 0, 0};
  return {rb, tb, std::min(ref_n - rb, test_n - tb)};
}

void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double ang = -2.0 * std::numbers::pi / static_cast<double>(len);
    const std::complex<double> wl(std::cos(ang), std::sin(ang));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.0);
      for (std::size_t k = 0; k < len / 2; ++k) {
        const auto u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wl;
      }
    }
  }
}

}  // namespace

double correlation(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int lag) {
  const Overlap o = overlap(ref.size(), test.size(), lag);
  if (o.len < 2) return 0.0;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < o.len; ++i) {
    const double x = ref[o.ref_begin + i], y = test[o.test_begin + i];
    sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
  }
  const double n = static_cast<double>(o.len);
  const double cov = sxy - sx * sy / n, vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
  if (vx <= 0 || vy <= 0) return 0.0;
  return cov / std::sqrt(vx * vy);
}

int best_lag(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int max_lag) {
  // Visit lags by increasing magnitude and take a later one only if it is
  // clearly better: a periodic signal correlates equally at every multiple of
  // its period, and the true codec delay is the smallest of those.
  int best = 0;
  double best_c = correlation(ref, test, 0);
  for (int mag = 1; mag <= max_lag; ++mag) {
    for (int lag : {-mag, mag}) {
      const double c = correlation(ref, test, lag);
      if (c > best_c + 1e-6) { best_c = c; best = lag; }
    }
  }
  return best;
}

double snr_db(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int lag, std::size_t skip) {
  const Overlap o = overlap(ref.size(), test.size(), lag);
  if (o.len <= 2 * skip) return 0.0;
  double sig = 0, err = 0;
  for (std::size_t i = skip; i < o.len - skip; ++i) {
    const double x = ref[o.ref_begin + i], y = test[o.test_begin + i];
    sig += x * x;
    err += (x - y) * (x - y);
  }
  if (err == 0) return 200.0;
  if (sig == 0) return -200.0;
  return 10.0 * std::log10(sig / err);
}

double log_spectral_distance_db(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int lag,
                                int sample_rate) {
  const Overlap o = overlap(ref.size(), test.size(), lag);
  std::size_t n = 1;
  while (n < static_cast<std::size_t>(sample_rate) * 32 / 1000) n <<= 1;
  if (o.len < n) return 100.0;
  std::vector<double> window(n);
  for (std::size_t i = 0; i < n; ++i)
    window[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n - 1));

  struct Frame { double energy, lsd; };
  std::vector<Frame> frames;
  std::vector<std::complex<double>> a(n), b(n);
  for (std::size_t start = 0; start + n <= o.len; start += n / 2) {
    double energy = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = ref[o.ref_begin + start + i], y = test[o.test_begin + start + i];
      energy += x * x;
      a[i] = x * window[i];
      b[i] = y * window[i];
    }
    fft(a);
    fft(b);
    // A floor at about −90 dBFS per bin keeps empty bins from dominating.
    const double floor = 1e-9 * static_cast<double>(n) * static_cast<double>(n) * 32768.0 * 32768.0;
    double acc = 0;
    for (std::size_t k = 1; k < n / 2; ++k) {
      const double pa = std::norm(a[k]) + floor, pb = std::norm(b[k]) + floor;
      const double d = 10.0 * std::log10(pa / pb);
      acc += d * d;
    }
    frames.push_back({energy, std::sqrt(acc / static_cast<double>(n / 2 - 1))});
  }
  double loudest = 0;
  for (const auto& f : frames) loudest = std::max(loudest, f.energy);
  double sum = 0;
  std::size_t count = 0;
  for (const auto& f : frames) {
    if (f.energy >= loudest * 1e-4) { sum += f.lsd; ++count; }
  }
  return count ? sum / static_cast<double>(count) : 100.0;
}

double tone_level_dbfs(std::span<const std::int16_t> x, double freq_hz, int sample_rate) {
  if (x.empty()) return -200.0;
  const double w = 2.0 * std::numbers::pi * freq_hz / sample_rate;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (std::int16_t v : x) {
    const double s = v / 32768.0 + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // A full-scale sine of N samples gives power (N/2)^2.
  const double norm = power / ((x.size() / 2.0) * (x.size() / 2.0));
  return norm <= 0 ? -200.0 : 10.0 * std::log10(norm);
}

double rms_dbfs(std::span<const std::int16_t> x) {
  if (x.empty()) return -200.0;
  double acc = 0;
  for (std::int16_t v : x) acc += static_cast<double>(v) * v;
  const double ms = acc / static_cast<double>(x.size()) / (32768.0 * 32768.0);
  return ms <= 0 ? -200.0 : 10.0 * std::log10(ms);
}

int max_step(std::span<const std::int16_t> x, std::size_t begin, std::size_t end) {
  end = std::min(end, x.size());
  int m = 0;
  for (std::size_t i = begin; i + 1 < end; ++i) m = std::max(m, std::abs(int{x[i + 1]} - int{x[i]}));
  return m;
}

}  // namespace sb::codecs
