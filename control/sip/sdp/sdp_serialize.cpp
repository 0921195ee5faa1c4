// SDP writer: RFC 4566 line order, CRLF endings. Within a media section the
// parsed attributes come first (mid, rtpmaps in their order, then fmtps in
// theirs, so parse(serialize(x)) == x), then the rest as they were kept.
#include <string>

#include "control/sip/sdp/sdp.hpp"

namespace sb::sdp {

namespace {

void line(std::string& out, char type, std::string_view value) {
  out += type;
  out += '=';
  out += value;
  out += "\r\n";
}

std::string connection_text(const Connection& c) {
  std::string s = "IN ";
  s += addr_type_name(c.addr_type);
  s += ' ';
  s += c.address;
  if (c.ttl) s += '/' + std::to_string(*c.ttl);
  if (c.count) s += '/' + std::to_string(*c.count);
  return s;
}

void bandwidths(std::string& out, const std::vector<Bandwidth>& bws) {
  for (const auto& b : bws) line(out, 'b', b.type + ':' + std::to_string(b.value));
}

void attribute(std::string& out, std::string_view name, const std::optional<std::string>& value) {
  std::string s(name);
  if (value) {
    s += ':';
    s += *value;
  }
  line(out, 'a', s);
}

void media(std::string& out, const MediaDescription& m) {
  std::string s = m.media + ' ' + std::to_string(m.port);
  if (m.port_count != 1) s += '/' + std::to_string(m.port_count);
  s += ' ';
  s += m.proto;
  for (const auto& f : m.formats) s += ' ' + f;
  line(out, 'm', s);
  if (m.info) line(out, 'i', *m.info);
  if (m.connection) line(out, 'c', connection_text(*m.connection));
  bandwidths(out, m.bandwidths);
  if (m.key) line(out, 'k', *m.key);
  if (m.mid) attribute(out, "mid", *m.mid);
  for (const auto& r : m.rtpmaps) {
    std::string v = std::to_string(r.payload_type) + ' ' + r.encoding + '/' + std::to_string(r.clock_rate);
    if (r.channels != 1) v += '/' + std::to_string(r.channels);
    attribute(out, "rtpmap", v);
  }
  for (const auto& f : m.fmtps) attribute(out, "fmtp", f.format + ' ' + f.raw);
  if (m.ptime) attribute(out, "ptime", std::to_string(*m.ptime));
  if (m.maxptime) attribute(out, "maxptime", std::to_string(*m.maxptime));
  if (m.rtcp) {
    std::string v = std::to_string(m.rtcp->port);
    if (m.rtcp->connection) v += ' ' + connection_text(*m.rtcp->connection);
    attribute(out, "rtcp", v);
  }
  if (m.rtcp_mux) attribute(out, "rtcp-mux", std::nullopt);
  if (m.direction) attribute(out, direction_name(*m.direction), std::nullopt);
  for (const auto& a : m.attributes) attribute(out, a.name, a.value);
}

}  // namespace

std::string serialize(const SessionDescription& sdp) {
  std::string out;
  out.reserve(512 + 256 * sdp.media.size());
  line(out, 'v', "0");
  const Origin& o = sdp.origin;
  line(out, 'o', o.username + ' ' + o.session_id + ' ' + std::to_string(o.session_version) + " IN " +
                     std::string(addr_type_name(o.addr_type)) + ' ' + o.address);
  // RFC 4566 wants a non-empty s=; a single space is its "no name".
  line(out, 's', sdp.session_name.empty() ? std::string_view(" ") : std::string_view(sdp.session_name));
  if (sdp.info) line(out, 'i', *sdp.info);
  if (sdp.uri) line(out, 'u', *sdp.uri);
  for (const auto& e : sdp.emails) line(out, 'e', e);
  for (const auto& p : sdp.phones) line(out, 'p', p);
  if (sdp.connection) line(out, 'c', connection_text(*sdp.connection));
  bandwidths(out, sdp.bandwidths);
  if (sdp.timings.empty()) line(out, 't', "0 0");
  for (const auto& t : sdp.timings) {
    line(out, 't', std::to_string(t.start) + ' ' + std::to_string(t.stop));
    for (const auto& r : t.repeats) line(out, 'r', r);
  }
  if (sdp.zone_adjustments) line(out, 'z', *sdp.zone_adjustments);
  if (sdp.key) line(out, 'k', *sdp.key);
  if (sdp.direction) attribute(out, direction_name(*sdp.direction), std::nullopt);
  for (const auto& a : sdp.attributes) attribute(out, a.name, a.value);
  for (const auto& m : sdp.media) media(out, m);
  return out;
}

}  // namespace sb::sdp
