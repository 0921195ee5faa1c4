// Objective audio comparisons: alignment, SNR, correlation, log-spectral
// distance and single-frequency power.
//
// Used by the codec self-check (`switchboard selfcheck`), by the tests that
// hold codecs, relays, mixers and recorders to numeric bounds, and by the
// demo's end-of-run audio check. Control plane only: these allocate.
#pragma once

#include <cstdint>
#include <span>

namespace sb::codecs {

// The shift d in [-max_lag, max_lag] maximising the normalised
// cross-correlation of ref[i] and test[i + d]. Codecs and resamplers add
// delay; every comparison below takes the lag found here.
int best_lag(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int max_lag);

// Pearson correlation of ref[i] and test[i + lag] over their overlap.
double correlation(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int lag);

// 10·log10(Σref² / Σ(ref − test)²) over the overlap, ignoring `skip` samples
// at each end (codec start-up transients). +inf-like 200 dB when identical.
double snr_db(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int lag, std::size_t skip = 0);

// Mean log-spectral distance in dB between ref and test (after `lag`), over
// 32 ms Hann-windowed frames whose reference energy is within 40 dB of the
// loudest frame (silence is excluded: its spectrum is noise either way).
// 0 dB is identical spectra; transparent wideband codecs score ~1-2 dB,
// unintelligible audio 8 dB and more (see tests/unit/codecs for calibration).
double log_spectral_distance_db(std::span<const std::int16_t> ref, std::span<const std::int16_t> test, int lag,
                                int sample_rate);

// Power of one frequency component (Goertzel), normalised so a full-scale
// sine gives about 0 dB; returns dB relative to full scale.
double tone_level_dbfs(std::span<const std::int16_t> x, double freq_hz, int sample_rate);

// RMS level in dBFS (−inf-like −200 for digital silence).
double rms_dbfs(std::span<const std::int16_t> x);

// Largest |x[i+1] − x[i]| in [begin, end): a click detector.
int max_step(std::span<const std::int16_t> x, std::size_t begin, std::size_t end);

}  // namespace sb::codecs
