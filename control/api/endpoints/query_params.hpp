// Strict query-string parameters for GET endpoints: unknown names refused,
// integers range-checked, each problem naming the parameter.
#pragma once

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "control/api/http_types.hpp"
#include "control/api/json_validation.hpp"

namespace sb::api {

inline void check_known_params(const HttpRequest& req, std::initializer_list<std::string_view> known,
                               FieldErrors& errors) {
  for (const auto& [k, v] : req.query) {
    bool ok = false;
    for (auto n : known) ok = ok || n == k;
    if (!ok) errors.add(k, "is not a known parameter");
  }
}

inline std::optional<std::int64_t> int_param(const HttpRequest& req, std::string_view name, std::int64_t min,
                                             std::int64_t max, std::int64_t fallback, FieldErrors& errors) {
  const std::string* v = req.query_param(name);
  if (!v) return fallback;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || p != v->data() + v->size() || n < min || n > max) {
    errors.add(std::string(name), "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

}  // namespace sb::api
