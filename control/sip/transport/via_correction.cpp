#include "control/sip/transport/via_correction.hpp"

#include <boost/asio/ip/address.hpp>

#include <functional>
#include <vector>

#include "control/sip/grammar.hpp"

namespace sb::sip {
namespace {

namespace ip = boost::asio::ip;

// IPv4-mapped IPv6 sources (from a dual-stack socket) compare and print as
// the IPv4 address they carry.
ip::address normalise(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::string address_text(const ip::address& a) {
  const auto n = normalise(a);
  return n.is_v6() ? "[" + n.to_string() + "]" : n.to_string();
}

// True when the sent-by host is an IP literal equal to `source`.
bool host_is_source(std::string_view host, const ip::address& source) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto a = ip::make_address(std::string(host), ec);
  return !ec && normalise(a) == normalise(source);
}

}  // namespace

Result<std::string> correct_via_value(std::string_view via_parm, const Endpoint& source) {
  via_parm = grammar::trim(via_parm);
  auto parsed = parse_via(via_parm);
  if (!parsed) return parsed.status();
  if (parsed->size() != 1) return invalid_argument("Via: expected one value, got " + std::to_string(parsed->size()));
  const Via& via = parsed->front();

  // Everything before the first ';' is "SIP/2.0/UDP sent-by": neither the
  // protocol nor sent-by may contain one. Kept as written.
  const auto semi = via_parm.find(';');
  std::string out(grammar::trim(via_parm.substr(0, semi)));
  for (const auto& p : via.params) {
    if (grammar::iequals(p.name, "received")) continue;  // ours replaces any
    out += ';';
    out += p.name;
    if (grammar::iequals(p.name, "rport") && via.has_rport) {
      out += '=';
      out += std::to_string(source.port);
      continue;
    }
    if (p.has_value) {
      out += '=';
      out += p.value;
    }
  }
  if (via.has_rport || !host_is_source(via.host, source.address)) {
    out += ";received=";
    out += address_text(source.address);
  }
  return out;
}

Result<CorrectedTopVia> correct_top_via(const SipMessage& request, std::string_view raw, const Endpoint& source) {
  const Header* row = request.find(HeaderId::kVia);
  if (row == nullptr) return not_found("no Via");
  std::vector<std::string_view> parts;
  SB_RETURN_IF_ERROR(grammar::split_list(row->value, "Via", parts));
  if (parts.empty()) return invalid_argument("Via: empty");
  CorrectedTopVia top;
  top.written = parts.front();
  auto corrected = correct_via_value(top.written, source);
  if (!corrected) return corrected.status();
  top.corrected = std::move(*corrected);
  top.changed = top.corrected != top.written;
  // Pointer comparison through std::less: the unfolded buffer and the raw
  // bytes are unrelated arrays, for which the built-in < is unspecified.
  const std::less<const char*> before;
  top.in_raw = !row->folded && !before(top.written.data(), raw.data()) &&
               !before(raw.data() + raw.size(), top.written.data() + top.written.size());
  return top;
}

ResponseTarget response_target(const Via& top, Transport transport, const Endpoint& source, ConnectionId connection) {
  ResponseTarget t;
  t.transport = transport;
  t.connection = transport == Transport::kTcp ? connection : 0;
  t.endpoint.address = normalise(source.address);
  // §18.2.2: received (which is the source address whenever it differs from
  // sent-by, and sent-by itself otherwise) with the sent-by port; RFC 3581
  // §4: the source port when rport was asked for, on unreliable transports.
  const std::uint16_t sent_by_port = top.port.value_or(5060);
  t.endpoint.port = (transport == Transport::kUdp && top.has_rport) ? source.port : sent_by_port;
  return t;
}

}  // namespace sb::sip
