#include "control/sip/sdp/offer_answer.hpp"

#include <algorithm>
#include <array>

namespace sb::sdp {

std::optional<LocalCodec> standard_codec(std::string_view name) {
  if (iequals(name, "PCMU")) return LocalCodec{"PCMU", 8000, 1, 0, {}};
  if (iequals(name, "PCMA")) return LocalCodec{"PCMA", 8000, 1, 8, {}};
  if (iequals(name, "G722")) return LocalCodec{"G722", 8000, 1, 9, {}};
  // Our Opus decoder recovers lost frames from in-band FEC, so ask for it.
  if (iequals(name, "opus")) return LocalCodec{"opus", 48000, 2, 111, "useinbandfec=1"};
  return std::nullopt;
}

namespace {

constexpr std::string_view kTelephoneEvent = "telephone-event";

bool is_plain_rtp(std::string_view proto) { return iequals(proto, "RTP/AVP") || iequals(proto, "RTP/AVPF"); }

bool unspecified_address(const Connection* c) {
  return c && (c->address == "0.0.0.0" || c->address == "::");
}

// Not media codecs: they ride along with one.
bool is_auxiliary(std::string_view encoding) {
  return iequals(encoding, kTelephoneEvent) || iequals(encoding, "CN") || iequals(encoding, "red") ||
         iequals(encoding, "ulpfec") || iequals(encoding, "rtx");
}

bool ptime_supported(std::string_view codec, std::uint32_t ms) {
  // The frame sizes codecs/ encodes and decodes (Opus has no 30 ms frame).
  if (iequals(codec, "opus")) return ms == 10 || ms == 20 || ms == 40 || ms == 60;
  return ms == 10 || ms == 20 || ms == 30 || ms == 40 || ms == 60;
}

// The packet duration we send: what the peer asked for (a=ptime), else our
// preference; never above the peer's a=maxptime, always one the codec has.
std::uint32_t pick_ptime(std::string_view codec, const MediaDescription& peer, std::uint32_t local) {
  const std::uint32_t max = peer.maxptime.value_or(60);
  if (peer.ptime && *peer.ptime <= max && ptime_supported(codec, *peer.ptime)) return *peer.ptime;
  if (local <= max && ptime_supported(codec, local)) return local;
  static constexpr std::array<std::uint32_t, 5> kDescending = {60, 40, 30, 20, 10};
  for (std::uint32_t ms : kDescending)
    if (ms <= max && ms <= std::max<std::uint32_t>(local, 20) && ptime_supported(codec, ms)) return ms;
  return 20;
}

bool same_codec(const RtpMap& a, const RtpMap& b) {
  return iequals(a.encoding, b.encoding) && a.clock_rate == b.clock_rate && a.channels == b.channels;
}

// Whether the peer, having written `sdp`, wants to receive on stream `m`.
// The RFC 2543 hold (c=0.0.0.0) says no whatever the attribute says.
bool peer_receives(const SessionDescription& sdp, const MediaDescription& m) {
  return receives(sdp.direction_of(m)) && !unspecified_address(sdp.connection_of(m));
}

void fill_remote(const SessionDescription& sdp, const MediaDescription& m, bool mux, NegotiatedMedia& n) {
  const Connection* c = sdp.connection_of(m);  // parse() guarantees one for an active stream
  if (c) {
    n.addr_type = c->addr_type;
    n.remote_address = c->address;
  }
  n.remote_port = m.port;
  n.remote_rtcp_address = n.remote_address;
  n.rtcp_mux = mux;
  if (mux) {
    n.remote_rtcp_port = m.port;
  } else if (m.rtcp) {
    n.remote_rtcp_port = m.rtcp->port;
    if (m.rtcp->connection) n.remote_rtcp_address = m.rtcp->connection->address;
  } else {
    n.remote_rtcp_port = static_cast<std::uint16_t>(m.port == 65535 ? 0 : m.port + 1);
  }
}

MediaDescription declined(const MediaDescription& m) {
  MediaDescription r;
  r.media = m.media;
  r.port = 0;
  r.proto = m.proto;
  r.formats = m.formats;  // RFC 3264 §6: a declined stream still lists a format
  r.payload_types = m.payload_types;
  r.mid = m.mid;
  return r;
}

Status check_local(const LocalCapabilities& local) {
  if (local.codecs.empty()) return invalid_argument("SDP: no local codecs configured");
  if (local.address.empty()) return invalid_argument("SDP: no local media address configured");
  if (local.rtp_port == 0) return invalid_argument("SDP: no local RTP port");
  return Status::ok();
}

SessionDescription skeleton(const LocalCapabilities& local, const std::vector<Timing>& timings) {
  SessionDescription s;
  s.session_name = local.session_name;
  s.connection = Connection{local.addr_type, local.address, std::nullopt, std::nullopt};
  s.timings = timings.empty() ? std::vector<Timing>{Timing{}} : timings;
  return s;
}

void add_local_transport(const LocalCapabilities& local, bool mux, MediaDescription& r) {
  r.ptime = local.ptime_ms;
  r.rtcp_mux = mux;
  if (!mux && local.rtcp_port != 0 && local.rtcp_port != local.rtp_port + 1)
    r.rtcp = RtcpAttribute{local.rtcp_port, std::nullopt};
}

void add_format(MediaDescription& r, const RtpMap& map, std::string_view fmtp) {
  r.formats.push_back(std::to_string(map.payload_type));
  r.payload_types.push_back(map.payload_type);
  r.rtpmaps.push_back(map);
  if (!fmtp.empty()) r.fmtps.push_back(Fmtp{std::to_string(map.payload_type), std::string(fmtp), {}});
}

bool wants_telephone_event(const LocalCapabilities& local, std::uint32_t clock_rate) {
  return (clock_rate == 8000 && local.telephone_event) || (clock_rate == 48000 && local.telephone_event_48k);
}

}  // namespace

LocalOrigin::LocalOrigin(std::string username, std::uint64_t session_id, AddrType addr_type, std::string address) {
  origin_.username = std::move(username);
  origin_.session_id = std::to_string(session_id);
  origin_.session_version = session_id;  // a common choice; any start value is allowed
  origin_.addr_type = addr_type;
  origin_.address = std::move(address);
}

void LocalOrigin::stamp(SessionDescription& sdp) {
  // Compare bodies with a fixed version, so the version itself is not a change.
  sdp.origin = origin_;
  sdp.origin.session_version = 0;
  std::string body = serialize(sdp);
  if (last_body_ && *last_body_ != body) ++origin_.session_version;
  last_body_ = std::move(body);
  sdp.origin = origin_;
}

Result<Answer> answer_offer(const SessionDescription& offer, const LocalCapabilities& local, LocalOrigin& origin) {
  SB_RETURN_IF_ERROR(check_local(local));
  Answer a;
  a.answer = skeleton(local, offer.timings);  // RFC 3264 §6: t= as offered
  bool accepted = false;
  bool saw_audio = false;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& m = offer.media[i];
    const bool candidate = !accepted && m.port != 0 && m.media == "audio";
    saw_audio |= candidate;
    if (!candidate || !is_plain_rtp(m.proto)) {
      a.answer.media.push_back(declined(m));
      continue;
    }
    // Local preference first; the offerer's list only breaks ties.
    const LocalCodec* chosen = nullptr;
    RtpMap offered;
    for (const auto& lc : local.codecs) {
      for (int pt : m.payload_types) {
        auto map = m.codec(pt);
        if (map && same_codec(*map, RtpMap{pt, lc.name, lc.clock_rate, lc.channels})) {
          chosen = &lc;
          offered = *map;
          break;
        }
      }
      if (chosen) break;
    }
    if (!chosen) {
      a.answer.media.push_back(declined(m));
      continue;
    }
    std::optional<RtpMap> event;
    if (wants_telephone_event(local, offered.clock_rate)) {
      for (int pt : m.payload_types) {
        auto map = m.codec(pt);
        if (map && iequals(map->encoding, kTelephoneEvent) && map->clock_rate == offered.clock_rate) {
          event = *map;
          break;
        }
      }
    }
    const bool mux = m.rtcp_mux && local.rtcp_mux;
    const Direction theirs = offer.direction_of(m);
    const Direction ours =
        make_direction(peer_receives(offer, m) && sends(local.direction), sends(theirs) && receives(local.direction));

    MediaDescription r;
    r.media = m.media;
    r.port = local.rtp_port;
    r.proto = m.proto;
    r.mid = m.mid;
    add_format(r, offered, chosen->fmtp);
    if (event) add_format(r, *event, local.telephone_events);
    add_local_transport(local, mux, r);
    r.direction = ours;
    a.answer.media.push_back(std::move(r));

    NegotiatedMedia& n = a.media;
    n.media_index = i;
    fill_remote(offer, m, mux, n);
    n.codec = chosen->name;
    n.payload_type = offered.payload_type;
    n.clock_rate = offered.clock_rate;
    n.channels = offered.channels;
    const Fmtp* f = m.fmtp(offered.payload_type);
    n.fmtp = f ? f->raw : std::string();
    if (event) n.telephone_event_pt = event->payload_type;
    n.ptime_ms = pick_ptime(chosen->name, m, local.ptime_ms);
    n.direction = ours;
    n.remote_hold = is_hold(offer, m);
    accepted = true;
  }
  if (!accepted)
    return unsupported(saw_audio ? "SDP offer: no acceptable audio stream (no codec in common, or not plain RTP)"
                                 : "SDP offer: no audio stream");
  origin.stamp(a.answer);
  return a;
}

Result<SessionDescription> make_offer(const LocalCapabilities& local, LocalOrigin& origin) {
  SB_RETURN_IF_ERROR(check_local(local));
  SessionDescription s = skeleton(local, {});
  MediaDescription m;
  m.media = "audio";
  m.port = local.rtp_port;
  m.proto = "RTP/AVP";
  bool has8k = false, has48k = false;
  auto taken = [&m](int pt) {
    return std::find(m.payload_types.begin(), m.payload_types.end(), pt) != m.payload_types.end();
  };
  for (const auto& c : local.codecs) {
    int pt = c.payload_type;
    if (pt < 0) {
      auto st = standard_codec(c.name);
      pt = st ? st->payload_type : -1;
    }
    if (pt < 0 || pt > 127) return invalid_argument("SDP: codec " + c.name + " has no payload type in 0..127");
    if (taken(pt)) return invalid_argument("SDP: payload type " + std::to_string(pt) + " is used twice");
    add_format(m, RtpMap{pt, c.name, c.clock_rate, c.channels}, c.fmtp);
    has8k |= c.clock_rate == 8000;
    has48k |= c.clock_rate == 48000;
  }
  const std::array<std::pair<bool, int>, 2> events = {
      {{has8k && local.telephone_event, local.telephone_event_pt},
       {has48k && local.telephone_event_48k, local.telephone_event_48k_pt}}};
  for (std::size_t k = 0; k < events.size(); ++k) {
    if (!events[k].first) continue;
    const int pt = events[k].second;
    if (pt < 96 || pt > 127) return invalid_argument("SDP: telephone-event needs a dynamic payload type (96..127)");
    if (taken(pt)) return invalid_argument("SDP: payload type " + std::to_string(pt) + " is used twice");
    add_format(m, RtpMap{pt, std::string(kTelephoneEvent), k == 0 ? 8000u : 48000u, 1}, local.telephone_events);
  }
  add_local_transport(local, local.rtcp_mux, m);
  m.direction = local.direction;
  s.media.push_back(std::move(m));
  origin.stamp(s);
  return s;
}

Result<NegotiatedMedia> process_answer(const SessionDescription& our_offer, const SessionDescription& answer) {
  if (answer.media.size() != our_offer.media.size())
    return invalid_argument("SDP answer: " + std::to_string(answer.media.size()) + " m= lines, the offer had " +
                            std::to_string(our_offer.media.size()));
  std::optional<std::size_t> audio;
  for (std::size_t i = 0; i < answer.media.size(); ++i) {
    const MediaDescription& o = our_offer.media[i];
    const MediaDescription& a = answer.media[i];
    if (o.media != a.media || !iequals(o.proto, a.proto))
      return invalid_argument("SDP answer: m= line " + std::to_string(i + 1) + " is " + a.media + " " + a.proto +
                              ", the offer's is " + o.media + " " + o.proto);
    if (o.port == 0 && a.port != 0)
      return invalid_argument("SDP answer: m= line " + std::to_string(i + 1) + " accepts a stream the offer disabled");
    if (!audio && o.port != 0 && o.media == "audio" && is_plain_rtp(o.proto)) audio = i;
  }
  if (!audio) return invalid_argument("SDP: our offer has no audio stream");
  const MediaDescription& o = our_offer.media[*audio];
  const MediaDescription& a = answer.media[*audio];
  if (a.port == 0) return unsupported("SDP answer: the audio stream was declined");

  // Every format must be one we offered, under our number (RFC 3264 §6.1
  // lets an answerer renumber; we do not follow, since both directions
  // would then carry different numbers through a relayed leg).
  std::optional<RtpMap> codec, event;
  for (int pt : a.payload_types) {
    auto ours = o.codec(pt);
    if (std::find(o.payload_types.begin(), o.payload_types.end(), pt) == o.payload_types.end() || !ours)
      return invalid_argument("SDP answer: payload type " + std::to_string(pt) + " was not offered");
    auto theirs = a.codec(pt);
    if (theirs && !same_codec(*theirs, *ours))
      return invalid_argument("SDP answer: payload type " + std::to_string(pt) + " is " + theirs->encoding + "/" +
                              std::to_string(theirs->clock_rate) + ", the offer's is " + ours->encoding + "/" +
                              std::to_string(ours->clock_rate));
    if (!codec && !is_auxiliary(ours->encoding)) codec = ours;
  }
  if (!codec) return unsupported("SDP answer: no codec in common");
  for (int pt : a.payload_types) {
    auto ours = o.codec(pt);
    if (ours && iequals(ours->encoding, kTelephoneEvent) && ours->clock_rate == codec->clock_rate) {
      event = ours;
      break;
    }
  }

  NegotiatedMedia n;
  n.media_index = *audio;
  fill_remote(answer, a, o.rtcp_mux && a.rtcp_mux, n);
  n.codec = codec->encoding;
  n.payload_type = codec->payload_type;
  n.clock_rate = codec->clock_rate;
  n.channels = codec->channels;
  const Fmtp* f = a.fmtp(codec->payload_type);
  n.fmtp = f ? f->raw : std::string();
  if (event) n.telephone_event_pt = event->payload_type;
  n.ptime_ms = pick_ptime(codec->encoding, a, o.ptime.value_or(20));
  // An answer may only narrow the direction; if it widens it, keep ours.
  const Direction offered = our_offer.direction_of(o);
  n.direction = make_direction(sends(offered) && peer_receives(answer, a), receives(offered) &&
                                                                                sends(answer.direction_of(a)));
  n.remote_hold = sends(offered) && !peer_receives(answer, a);
  return n;
}

Result<Revision> compare_revision(const SessionDescription& previous, const SessionDescription& reoffer) {
  const Origin& p = previous.origin;
  const Origin& r = reoffer.origin;
  if (p.username != r.username || p.session_id != r.session_id || p.addr_type != r.addr_type ||
      p.address != r.address)
    return invalid_argument("SDP re-offer: the o= line changed other than its version");
  if (r.session_version < p.session_version)
    return invalid_argument("SDP re-offer: the o= version went backwards (" + std::to_string(p.session_version) +
                            " to " + std::to_string(r.session_version) + ")");
  return r.session_version == p.session_version ? Revision::kUnchanged : Revision::kChanged;
}

bool is_hold(const SessionDescription& sdp, const MediaDescription& m) { return !peer_receives(sdp, m); }

}  // namespace sb::sdp
