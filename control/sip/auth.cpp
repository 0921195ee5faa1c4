// Digest challenge and credential parsing (declared in headers.hpp): kept
// apart from the other header readers because its comma-separated
// auth-params do not follow the generic-param grammar.
#include <string>

#include "control/sip/headers.hpp"

namespace sb::sip {

Result<DigestParams> parse_digest(std::string_view value, std::string_view what) {
  const std::string w(what);
  grammar::Cursor c(grammar::trim(value));
  const auto scheme = c.token();
  if (scheme.empty()) return invalid_argument(w + ": expected an authentication scheme");
  if (!grammar::iequals(scheme, "Digest")) {
    return unsupported(w + ": scheme '" + std::string(scheme.substr(0, 32)) + "' is not supported (only Digest)");
  }
  const std::size_t before_ws = c.pos();
  c.skip_ws();
  if (c.pos() == before_ws || c.at_end()) return invalid_argument(w + ": expected parameters after 'Digest'");

  DigestParams d;
  struct Known {
    std::string_view name;
    std::string DigestParams::*field;
  };
  static const Known kKnown[] = {
      {"username", &DigestParams::username}, {"realm", &DigestParams::realm},
      {"nonce", &DigestParams::nonce},       {"uri", &DigestParams::uri},
      {"response", &DigestParams::response}, {"algorithm", &DigestParams::algorithm},
      {"qop", &DigestParams::qop},           {"nc", &DigestParams::nc},
      {"cnonce", &DigestParams::cnonce},     {"opaque", &DigestParams::opaque},
      {"domain", &DigestParams::domain},
  };
  std::vector<std::string_view> seen;
  do {
    const auto name = c.token();
    if (name.empty()) return invalid_argument(w + ": expected a parameter name");
    for (auto s : seen) {
      if (grammar::iequals(s, name)) return invalid_argument(w + ": parameter '" + std::string(name) + "' repeated");
    }
    seen.push_back(name);
    if (!c.eat_sep('=')) return invalid_argument(w + ": expected '=' after '" + std::string(name) + "'");
    std::string val;
    if (c.peek() == '"') {
      auto q = c.quoted_string();
      if (!q) return invalid_argument(w + ": " + std::string(name) + ": " + q.status().message());
      val = grammar::unquote(*q);
    } else {
      const auto t = c.token();
      if (t.empty()) return invalid_argument(w + ": '" + std::string(name) + "' has no value");
      val = std::string(t);
    }
    bool known = false;
    for (const auto& k : kKnown) {
      if (grammar::iequals(k.name, name)) {
        d.*(k.field) = std::move(val);
        known = true;
        break;
      }
    }
    if (!known) {
      if (grammar::iequals(name, "stale")) {
        if (!grammar::iequals(val, "true") && !grammar::iequals(val, "false")) {
          return invalid_argument(w + ": stale must be true or false");
        }
        d.stale = grammar::iequals(val, "true");
      } else {
        d.other.emplace_back(name, std::move(val));
      }
    }
  } while (c.eat_sep(','));
  c.skip_ws();
  if (!c.at_end()) return invalid_argument(w + ": unexpected text after the parameters");
  return d;
}

}  // namespace sb::sip
