#include "ivr/prompts.hpp"

#include <tuple>

#include "codecs/registry.hpp"
#include "codecs/resampler.hpp"
#include "common/audio_file.hpp"

namespace sb::ivr {

bool PromptFormat::operator<(const PromptFormat& o) const {
  const auto key = [](const PromptFormat& f) {
    return std::make_tuple(static_cast<int>(f.codec), f.params.sample_rate, f.params.ptime_ms, f.params.bitrate,
                           f.params.complexity, f.params.fec, f.params.dtx, f.params.expected_loss_pct);
  };
  return key(*this) < key(o);
}

double EncodedPrompt::seconds() const noexcept {
  const int rate = format.params.sample_rate ? format.params.sample_rate : 8000;
  return static_cast<double>(frames()) * frame_samples / rate;
}

Status PromptStore::add_file(const std::string& name, const std::string& path) {
  auto clip = read_audio_file(path);
  if (!clip) return clip.status();
  if (clip->frames() == 0) return invalid_argument("prompt '" + name + "': " + path + " holds no audio");
  std::vector<std::int16_t> mono(clip->frames());
  for (std::size_t i = 0; i < mono.size(); ++i) {
    int acc = 0;
    for (int c = 0; c < clip->channels; ++c) acc += clip->samples[i * static_cast<std::size_t>(clip->channels) + static_cast<std::size_t>(c)];
    mono[i] = static_cast<std::int16_t>(acc / clip->channels);
  }
  return add_pcm(name, std::move(mono), clip->sample_rate);
}

Status PromptStore::add_pcm(const std::string& name, std::vector<std::int16_t> pcm, int rate) {
  if (name.empty()) return invalid_argument("prompt name is empty");
  if (pcm.empty()) return invalid_argument("prompt '" + name + "' holds no audio");
  if (rate < 8000 || rate > 192000) return invalid_argument("prompt '" + name + "': sample rate " + std::to_string(rate));
  pcm_[name] = Source{std::move(pcm), rate};
  // A replaced prompt is re-encoded on next use; players keep the old one.
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->first.first == name) {
      retired_.push_back(std::move(it->second));
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
  return Status::ok();
}

Status PromptStore::add_tone(const std::string& name, ToneKind kind, ToneRegion region, int ms) {
  ToneGenerator gen(tone_spec(kind, region));
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(ms) * 8, 0);
  const int n = gen.generate(pcm);
  if (n <= 0) return invalid_argument("tone '" + name + "' produced no audio");
  return add_pcm(name, std::move(pcm), 8000);
}

std::vector<std::string> PromptStore::names() const {
  std::vector<std::string> v;
  for (const auto& [n, _] : pcm_) v.push_back(n);
  return v;
}

Result<std::shared_ptr<const EncodedPrompt>> PromptStore::encoded(const std::string& name, const PromptFormat& format) {
  const auto src = pcm_.find(name);
  if (src == pcm_.end()) return not_found("no prompt named '" + name + "'");
  auto enc = codecs::Encoder::create(format.codec, format.params);
  if (!enc) return enc.status();
  PromptFormat resolved = format;
  resolved.params = enc->params();
  const auto key = std::make_pair(name, resolved);
  if (auto hit = cache_.find(key); hit != cache_.end()) return hit->second;

  std::vector<std::int16_t> pcm = src->second.pcm;
  const int rate = enc->params().sample_rate;
  if (src->second.rate != rate) {
    auto rs = codecs::Resampler::create(src->second.rate, rate, 8);
    if (!rs) return rs.status();
    std::vector<std::int16_t> out(rs->max_output(pcm.size()));
    const int n = rs->process(pcm, out);
    if (n < 0) return internal_error("prompt '" + name + "': resampling failed");
    out.resize(static_cast<std::size_t>(n));
    pcm = std::move(out);
  }
  auto prompt = std::make_shared<EncodedPrompt>();
  prompt->name = name;
  prompt->format = resolved;
  prompt->frame_samples = enc->frame_samples();
  const auto& codec = enc->codec();
  prompt->timestamp_step = static_cast<std::uint32_t>(static_cast<std::int64_t>(enc->frame_samples()) *
                                                      codec.rtp_clock_rate / rate);
  const std::size_t frame = static_cast<std::size_t>(enc->frame_samples());
  pcm.resize((pcm.size() + frame - 1) / frame * frame, 0);  // pad the last frame with silence
  std::vector<std::uint8_t> buf(codecs::kMaxPayloadBytes);
  prompt->offsets.push_back(0);
  for (std::size_t off = 0; off < pcm.size(); off += frame) {
    const int n = enc->encode(std::span(pcm).subspan(off, frame), buf);
    if (n < 0) return internal_error("prompt '" + name + "': encoding failed");
    prompt->bytes.insert(prompt->bytes.end(), buf.begin(), buf.begin() + n);
    prompt->offsets.push_back(static_cast<std::uint32_t>(prompt->bytes.size()));
  }
  std::shared_ptr<const EncodedPrompt> shared = std::move(prompt);
  cache_.emplace(key, shared);
  return shared;
}

std::size_t PromptStore::collect_retired() {
  const std::size_t before = retired_.size();
  // use_count() == 1: only this list holds it. Players are on other
  // threads, but a count of 1 cannot rise again (nothing else can copy it).
  std::erase_if(retired_, [](const auto& p) { return p.use_count() == 1; });
  return before - retired_.size();
}

bool PromptPlayer::start(std::span<const std::shared_ptr<const EncodedPrompt>> items, bool loop) noexcept {
  if (items.empty() || items.size() > kMaxItems) return false;
  for (const auto& p : items)
    if (!p || p->frames() == 0 || p->format.codec != items[0]->format.codec ||
        p->timestamp_step != items[0]->timestamp_step)
      return false;
  stop();
  for (std::size_t i = 0; i < items.size(); ++i) items_[i] = items[i];
  count_ = items.size();
  item_ = frame_ = 0;
  loop_ = loop;
  done_ = false;
  return true;
}

void PromptPlayer::stop() noexcept {
  for (std::size_t i = 0; i < count_; ++i) items_[i].reset();
  count_ = 0;
  done_ = true;
}

std::optional<std::span<const std::uint8_t>> PromptPlayer::next() noexcept {
  if (!playing()) return std::nullopt;
  const EncodedPrompt& p = *items_[item_];
  const auto f = p.frame(frame_);
  if (++frame_ >= p.frames()) {
    frame_ = 0;
    if (++item_ >= count_) {
      if (loop_)
        item_ = 0;
      else
        done_ = true;
    }
  }
  return f;
}

}  // namespace sb::ivr
