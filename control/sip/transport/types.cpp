#include "control/sip/transport/types.hpp"

#include <boost/system/error_code.hpp>

#include "control/sip/grammar.hpp"

namespace sb::sip {

std::string_view transport_name(Transport t) noexcept { return t == Transport::kUdp ? "udp" : "tcp"; }

std::string_view drop_reason_label(DropReason r) noexcept {
  switch (r) {
#define SB_X(name, label) \
  case DropReason::name:  \
    return label;
    SB_SIP_DROP_REASONS(SB_X)
#undef SB_X
  }
  return "unknown";
}

std::string Endpoint::to_string() const {
  const std::string a = address.to_string();
  return (address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return invalid_argument("endpoint '" + std::string(text) + "': expected [IPv6]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      return invalid_argument("endpoint '" + std::string(text) + "': expected address:port (IPv6 in brackets)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  Endpoint e;
  boost::system::error_code ec;
  e.address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return invalid_argument("endpoint '" + std::string(text) + "': '" + std::string(host) + "' is not an IP address");
  const auto p = grammar::parse_decimal(port, 65535);
  if (!p) return invalid_argument("endpoint '" + std::string(text) + "': port is not a number in 0..65535");
  e.port = static_cast<std::uint16_t>(*p);
  return e;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress l;
  const auto colon = text.find(':');
  const auto scheme = text.substr(0, colon);
  if (colon == std::string_view::npos) return invalid_argument("listen '" + std::string(text) + "': expected udp:... or tcp:...");
  if (grammar::iequals(scheme, "udp")) {
    l.transport = Transport::kUdp;
  } else if (grammar::iequals(scheme, "tcp")) {
    l.transport = Transport::kTcp;
  } else {
    return invalid_argument("listen '" + std::string(text) + "': transport must be udp or tcp");
  }
  auto e = parse_endpoint(text.substr(colon + 1));
  if (!e) return e.status();
  l.endpoint = *e;
  return l;
}

}  // namespace sb::sip
