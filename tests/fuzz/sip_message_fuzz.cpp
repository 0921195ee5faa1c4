// Fuzzes the SIP message parser and everything that reads a parsed
// message: every typed header reader, URI parsing, validation, and the
// responses built from the message. Whatever parses must be safe to read
// in full, and a response to a request that validates must parse again.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/message.hpp"
#include "control/sip/uri.hpp"
#include "control/sip/validate.hpp"

namespace {

using namespace sb::sip;

template <typename T>
void touch(const sb::Result<T>& r) {
  if (!r) (void)r.status().message().size();
}

void read_everything(const SipMessage& m) {
  touch(vias(m));
  touch(from(m));
  touch(to(m));
  touch(call_id(m));
  touch(cseq(m));
  touch(contacts(m));
  touch(max_forwards(m));
  touch(routes(m));
  touch(record_routes(m));
  touch(content_type(m));
  touch(expires(m));
  touch(authorization(m));
  touch(proxy_authorization(m));
  touch(www_authenticate(m));
  touch(token_list(m, HeaderId::kAllow));
  touch(token_list(m, HeaderId::kSupported));
  touch(token_list(m, HeaderId::kRequire));
  touch(user_agent(m));
  for (const auto& h : m.headers()) {
    if (h.id == HeaderId::kDate) touch(parse_date(h.value));
    if (h.id == HeaderId::kProxyAuthenticate) touch(parse_digest(h.value, "Proxy-Authenticate"));
    (void)m.find(h.name);
  }
  if (m.is_request()) {
    auto uri = parse_uri(m.request_uri());
    if (!uri) __builtin_trap();  // the parser accepted this Request-URI
    if (uri->is_sip()) touch(percent_decode(uri->user));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An exact-size copy, so ASan sees any read past the end.
  const std::vector<char> buf(data, data + size);
  const std::string_view bytes(buf.data(), buf.size());
  ParseLimits limits;
  for (auto transport : {ParseLimits::Transport::kDatagram, ParseLimits::Transport::kStream}) {
    limits.transport = transport;
    auto m = parse_sip_message(bytes, limits);
    if (!m) {
      touch(salvage_bad_request_response(bytes, m.status().message(), limits));
      continue;
    }
    if (m->wire_size() > size || m->body().size() > size) __builtin_trap();
    read_everything(*m);
    if (!m->is_request()) {
      (void)validate_response(*m).is_ok();
      continue;
    }
    const sb::Status st = validate_request(*m);
    if (!st) {
      touch(make_bad_request_response(*m, st.message(), "fz"));
      continue;
    }
    auto resp = make_response(*m, 200, "OK", {.to_tag = "fz"});
    if (!resp) continue;  // an ACK, or a To that cannot take a tag
    // Unfolded values can make longer lines than the request had.
    const ParseLimits loose{.max_message_bytes = resp->size(), .max_headers = 1024, .max_line_bytes = resp->size()};
    auto back = parse_sip_message(*resp, loose);
    if (!back || !validate_response(*back)) __builtin_trap();
    read_everything(*back);
  }
  return 0;
}
