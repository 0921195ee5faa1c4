// Test signals built from first principles (sines, DTMF pairs, noise,
// speech from espeak-ng), independent of the generators under test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sb::test {

using Pcm = std::vector<std::int16_t>;

// Amplitude of a sine at `dbm0` on the G.711 scale (3.14 dBm0 = full scale).
double dbm0_amplitude(double dbm0);

// Appends a sine (or the sum of two) of `ms` at `rate`.
void append_tone(Pcm& x, int rate, double f1, double dbm0_1, double f2, double dbm0_2, int ms, double phase = 0);
void append_silence(Pcm& x, int rate, int ms);
void append_samples_silence(Pcm& x, std::size_t samples);
Pcm sine(int rate, double freq, double dbfs, int ms);

// Row and column frequency of a DTMF digit.
struct DtmfPair { double row, col; };
DtmfPair dtmf_pair(char digit);

// Adds white Gaussian noise so the signal-to-noise ratio against `signal_power`
// (mean square, in sample units²) is `snr_db`. Deterministic per seed.
void add_white_noise(Pcm& x, double signal_power, double snr_db, unsigned seed);
double mean_square(const Pcm& x, std::size_t begin = 0, std::size_t end = SIZE_MAX);

// Speech from espeak-ng at `rate`, mono PCM16; empty when espeak-ng is absent.
Pcm espeak_speech(const std::string& text, const std::string& voice, int rate);

// tests/data/speech_16k.wav: 6 s of espeak-ng speech committed with the tests
// (so the codec tests need no TTS at run time), optionally resampled.
Pcm committed_speech(int rate);

}  // namespace sb::test
