#include "common/audio_file.hpp"

#include <sndfile.h>

namespace sb {

std::vector<std::int16_t> AudioClip::channel(int index) const {
  std::vector<std::int16_t> out;
  if (index < 0 || index >= channels) return out;
  out.reserve(frames());
  for (std::size_t i = static_cast<std::size_t>(index); i < samples.size(); i += static_cast<std::size_t>(channels))
    out.push_back(samples[i]);
  return out;
}

namespace {

std::string describe(int format, AudioEncoding enc) {
  std::string major;
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: major = "WAV"; break;
    case SF_FORMAT_WAVEX: major = "WAV"; break;
    case SF_FORMAT_OGG: major = "OGG"; break;
    case SF_FORMAT_AIFF: major = "AIFF"; break;
    case SF_FORMAT_AU: major = "AU"; break;
    case SF_FORMAT_FLAC: major = "FLAC"; break;
    case SF_FORMAT_RAW: major = "RAW"; break;
    default: major = "audio"; break;
  }
  switch (enc) {
    case AudioEncoding::kPcm16: return major + " PCM16";
    case AudioEncoding::kUlaw: return major + " mu-law";
    case AudioEncoding::kAlaw: return major + " A-law";
    case AudioEncoding::kOther: break;
  }
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_U8: return major + " PCM8";
    case SF_FORMAT_PCM_S8: return major + " PCM8";
    case SF_FORMAT_PCM_24: return major + " PCM24";
    case SF_FORMAT_PCM_32: return major + " PCM32";
    case SF_FORMAT_FLOAT: return major + " float";
    case SF_FORMAT_DOUBLE: return major + " double";
    case SF_FORMAT_VORBIS: return major + " Vorbis";
    case SF_FORMAT_OPUS: return major + " Opus";
    case SF_FORMAT_GSM610: return major + " GSM";
    case SF_FORMAT_IMA_ADPCM: return major + " IMA-ADPCM";
    case SF_FORMAT_MS_ADPCM: return major + " MS-ADPCM";
    default: return major + " (other encoding)";
  }
}

}  // namespace

Result<AudioClip> read_audio_file(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) return io_error(path + ": " + sf_strerror(nullptr));

  AudioClip clip;
  clip.sample_rate = info.samplerate;
  clip.channels = info.channels;
  // WAVE_FORMAT_EXTENSIBLE (what sox writes for >2 channels or >16 bits) is WAV too.
  clip.is_wav = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV || (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAVEX;
  switch (info.format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_16: clip.encoding = AudioEncoding::kPcm16; break;
    case SF_FORMAT_ULAW: clip.encoding = AudioEncoding::kUlaw; break;
    case SF_FORMAT_ALAW: clip.encoding = AudioEncoding::kAlaw; break;
    default: clip.encoding = AudioEncoding::kOther; break;
  }
  clip.format_name = describe(info.format, clip.encoding);

  if (info.channels <= 0 || info.frames < 0) {
    sf_close(f);
    return io_error(path + ": file reports no audio channels");
  }
  // libsndfile converts any subtype to short; frames is exact for seekable files.
  clip.samples.resize(static_cast<std::size_t>(info.frames) * static_cast<std::size_t>(info.channels));
  const sf_count_t got = sf_readf_short(f, clip.samples.data(), info.frames);
  sf_close(f);
  if (got < 0) return io_error(path + ": read failed");
  clip.samples.resize(static_cast<std::size_t>(got) * static_cast<std::size_t>(info.channels));
  return clip;
}

Status write_wav_pcm16(const std::string& path, int sample_rate, int channels,
                       const std::vector<std::int16_t>& samples) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) return io_error(path + ": " + sf_strerror(nullptr));
  const sf_count_t frames = static_cast<sf_count_t>(samples.size() / static_cast<std::size_t>(channels));
  const sf_count_t put = sf_writef_short(f, samples.data(), frames);
  const int rc = sf_close(f);
  if (put != frames || rc != 0) return io_error(path + ": short write");
  return Status::ok();
}

}  // namespace sb
