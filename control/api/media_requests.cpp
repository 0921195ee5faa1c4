#include "control/api/media_requests.hpp"

#include <charconv>

#include "control/api/json_validation.hpp"

namespace sb::api {

std::optional<MediaLegBody::Address> parse_ipv4_endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  std::uint32_t ip = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= host.size() || host[pos] != '.') return std::nullopt;
      ++pos;
    }
    unsigned v = 0;
    const char* begin = host.data() + pos;
    const char* end = host.data() + host.size();
    auto [ptr, ec] = std::from_chars(begin, end, v);
    // One to three digits, no sign, at most 255.
    if (ec != std::errc() || ptr == begin || ptr - begin > 3 || v > 255) return std::nullopt;
    pos += static_cast<std::size_t>(ptr - begin);
    ip = ip << 8 | v;
  }
  if (pos != host.size()) return std::nullopt;
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || ptr != port.data() + port.size() || port.empty() || p == 0 || p > 65535)
    return std::nullopt;
  return MediaLegBody::Address{ip, static_cast<std::uint16_t>(p)};
}

namespace {

void read_leg(ObjectReader& r, MediaLegBody& leg, FieldErrors& errors) {
  if (auto remote = r.string("remote", Need::kOptional, 1, 64)) {
    leg.remote = parse_ipv4_endpoint(*remote);
    if (!leg.remote) errors.add(r.field_path("remote"), "must be an IPv4 address and port, \"a.b.c.d:port\"");
  }
  if (auto v = r.integer("remote_rtcp_port", 1, 65535)) leg.remote_rtcp_port = static_cast<std::uint16_t>(*v);
  if (auto v = r.boolean("nat_learning")) leg.nat_learning = *v;
  if (auto v = r.choice<std::string_view>("mode", {{"relay", "relay"}, {"inactive", "inactive"},
                                                   {"sendonly", "sendonly"}, {"recvonly", "recvonly"}}))
    leg.mode = std::string(*v);
  if (auto v = r.integer("clock_rate", 8000, 48000)) {
    if (*v == 8000 || *v == 16000 || *v == 48000) leg.clock_rate = static_cast<std::uint32_t>(*v);
    else errors.add(r.field_path("clock_rate"), "must be 8000, 16000 or 48000 (the RTP clock of the leg's codec)");
  }
  if (auto v = r.integer("telephone_event_pt", 96, 127)) leg.telephone_event_pt = static_cast<std::uint8_t>(*v);
  if (auto v = r.integer("media_timeout_ms", 0, 3'600'000)) leg.media_timeout_ms = static_cast<std::uint32_t>(*v);
  if (auto audio = r.object("audio")) {
    leg.has_audio = true;
    if (auto v = audio->integer("payload_type", 0, 127, Need::kRequired))
      leg.audio_payload_type = static_cast<std::uint8_t>(*v);
    if (auto v = audio->choice<std::string_view>("codec", {{"PCMU", "PCMU"}, {"PCMA", "PCMA"}, {"G722", "G722"},
                                                           {"opus", "opus"}},
                                                 Need::kRequired))
      leg.codec = std::string(*v);
  }
  if (auto v = r.boolean("inband_dtmf")) leg.inband_dtmf = *v;
  if (auto v = r.boolean("suppress_dtmf")) leg.suppress_dtmf = *v;
  if ((leg.inband_dtmf || leg.suppress_dtmf) && !leg.has_audio)
    errors.add(r.field_path("audio"), "is required with inband_dtmf or suppress_dtmf (the audio to inspect)");
  if (leg.suppress_dtmf && leg.codec != "PCMU" && leg.codec != "PCMA")
    errors.add(r.field_path("suppress_dtmf"), "needs G.711 (PCMU or PCMA) audio on the leg");
}

}  // namespace

Parsed<MediaSessionBody> parse_media_session_request(const HttpRequest& req) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  FieldErrors errors;
  MediaSessionBody out;
  {
    ObjectReader r(*body, "", errors);
    std::size_t count = 0;
    const bool present = r.array("legs", 2, Need::kRequired, [&](const nlohmann::json& v, const std::string& path) {
      ObjectReader leg(v, path, errors);
      read_leg(leg, out.legs[count < 2 ? count : 1], errors);
      ++count;
    });
    if (present && count != 2) errors.add("legs", "must hold exactly two legs");
  }
  if (!errors.empty()) return errors.response();
  return out;
}

Parsed<RoomBody> parse_room_request(const HttpRequest& req) {
  auto body = parse_json_body(req, /*empty_is_object=*/true);
  if (!body) return body.error();
  FieldErrors errors;
  RoomBody out;
  {
    ObjectReader r(*body, "", errors);
    if (auto v = r.integer("sample_rate", 8000, 16000)) {
      if (*v == 8000 || *v == 16000) out.sample_rate = static_cast<int>(*v);
      else errors.add("sample_rate", "must be 8000 or 16000 (the rate the room mixes at)");
    }
  }
  if (!errors.empty()) return errors.response();
  return out;
}

namespace {

// A leg on its own; `audio_required` for a mix party (it is decoded and mixed).
Parsed<MediaLegBody> parse_leg_body(const HttpRequest& req, bool audio_required) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  FieldErrors errors;
  MediaLegBody out;
  {
    ObjectReader r(*body, "", errors);
    read_leg(r, out, errors);
    if (audio_required && !out.has_audio && !r.has("audio"))
      errors.add("audio", "is required: {\"payload_type\", \"codec\"} the party talks and hears the room in");
  }
  if (!errors.empty()) return errors.response();
  return out;
}

}  // namespace

Parsed<MediaLegBody> parse_party_request(const HttpRequest& req) { return parse_leg_body(req, true); }

Parsed<MediaLegBody> parse_media_leg_request(const HttpRequest& req) { return parse_leg_body(req, false); }

}  // namespace sb::api
