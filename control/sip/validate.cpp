#include "control/sip/validate.hpp"

#include <string>

#include "control/sip/headers.hpp"

namespace sb::sip {
namespace {

Status common_fields(const SipMessage& m) {
  if (auto v = vias(m); !v) return v.status();
  if (auto f = from(m); !f) return f.status();
  if (auto t = to(m); !t) return t.status();
  if (auto c = call_id(m); !c) return c.status();
  if (auto c = cseq(m); !c) return c.status();
  return Status::ok();
}

}  // namespace

Status validate_request(const SipMessage& request) {
  if (!request.is_request()) return failed_precondition("not a request");
  SB_RETURN_IF_ERROR(common_fields(request));
  const auto cs = cseq(request);
  if (cs->method != request.method()) {
    return invalid_argument("CSeq: method '" + std::string(cs->method.substr(0, 64)) +
                            "' does not match the request method '" + std::string(request.method().substr(0, 64)) +
                            "'");
  }
  if (request.find(HeaderId::kMaxForwards) != nullptr) {
    if (auto mf = max_forwards(request); !mf) return mf.status();
  }
  if (!request.body().empty() && request.find(HeaderId::kContentType) == nullptr) {
    return invalid_argument("Content-Type: missing for a non-empty body (RFC 3261 §20.15)");
  }
  if (request.find(HeaderId::kContentType) != nullptr) {
    if (auto ct = content_type(request); !ct) return ct.status();
  }
  if (auto c = contacts(request); !c) return c.status();
  if (auto r = routes(request); !r) return r.status();
  if (auto r = record_routes(request); !r) return r.status();
  if (request.find(HeaderId::kExpires) != nullptr) {
    if (auto e = expires(request); !e) return e.status();
  }
  for (const auto& h : request.headers()) {
    if (h.id != HeaderId::kDate) continue;
    if (request.count(HeaderId::kDate) > 1) return invalid_argument("Date: more than one header field");
    if (auto d = parse_date(h.value); !d) return d.status();
  }
  return Status::ok();
}

Status validate_response(const SipMessage& response) {
  if (!response.is_response()) return failed_precondition("not a response");
  return common_fields(response);
}

}  // namespace sb::sip
