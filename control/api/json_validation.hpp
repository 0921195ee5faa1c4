// Strict validation of JSON request bodies: every problem named by its
// field path ("input[2]", "filter.types[0]"), unknown fields refused, types
// and ranges checked, and the answer a 4xx JSON error, never an exception
// reaching the server.
//
//   auto body = parse_json_body(req);                    // 400 malformed_json, 415
//   if (!body) return body.error();
//   FieldErrors errors;
//   ObjectReader r(*body, "", errors);
//   auto level = r.choice<std::string_view>("level", {{"debug", "debug"}, ...}, Need::kRequired);
//   r.finish();                                          // unknown fields
//   if (!errors.empty()) return errors.response();       // 422 naming each field
//
// Parsing is stricter than JSON itself allows: duplicate keys are refused
// (two parsers may disagree on which one wins), nesting is limited to
// kMaxDepth and element count to kMaxElements, so a hostile body costs
// bounded work and memory.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "control/api/http_types.hpp"

namespace sb::api {

inline constexpr int kMaxDepth = 32;
inline constexpr std::size_t kMaxElements = 100000;

enum class Need { kOptional, kRequired };

// A parsed body or the error response to send instead.
class JsonBody {
 public:
  JsonBody(nlohmann::json j) : v_(std::move(j)) {}   // NOLINT(google-explicit-constructor)
  JsonBody(HttpResponse e) : v_(std::move(e)) {}     // NOLINT(google-explicit-constructor)
  explicit operator bool() const noexcept { return v_.index() == 0; }
  const nlohmann::json& operator*() const { return std::get<0>(v_); }
  const nlohmann::json* operator->() const { return &std::get<0>(v_); }
  const HttpResponse& error() const { return std::get<1>(v_); }

 private:
  std::variant<nlohmann::json, HttpResponse> v_;
};

// Parses text as strict JSON; on failure `*error` says where and why
// ("byte 17: duplicate key \"level\"").
std::optional<nlohmann::json> parse_strict_json(std::string_view text, std::string* error);

// The request's body as JSON: 415 unless Content-Type is application/json;
// 400 malformed_json with the byte offset. An empty body reads as {} when
// `empty_is_object` (endpoints whose fields are all optional).
JsonBody parse_json_body(const HttpRequest& req, bool empty_is_object = false);

class FieldErrors {
 public:
  void add(std::string field, std::string message) { problems_.push_back({std::move(field), std::move(message)}); }
  bool empty() const noexcept { return problems_.empty(); }
  const std::vector<FieldProblem>& problems() const noexcept { return problems_; }
  // 422 invalid_request, naming the first field in `message` and all in `problems`.
  HttpResponse response() const;

 private:
  std::vector<FieldProblem> problems_;
};

template <typename E>
struct JsonChoice {
  std::string_view name;
  E value;
};

class ObjectReader {
 public:
  // `path` prefixes field names ("" for the body itself). A value that is
  // not an object is one error; every getter then returns nullopt.
  ObjectReader(const nlohmann::json& value, std::string path, FieldErrors& errors);
  ~ObjectReader();
  ObjectReader(ObjectReader&& other) noexcept;
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  ObjectReader& operator=(ObjectReader&&) = delete;

  std::string field_path(std::string_view key) const;
  bool has(std::string_view key) const;

  std::optional<std::string> string(std::string_view key, Need need = Need::kOptional, std::size_t min_len = 0,
                                    std::size_t max_len = 1024);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      Need need = Need::kOptional);
  std::optional<double> number(std::string_view key, double min, double max, Need need = Need::kOptional);
  std::optional<bool> boolean(std::string_view key, Need need = Need::kOptional);
  // An array; each element is handed to `each(element, path)`.
  template <typename F>
  bool array(std::string_view key, std::size_t max_items, Need need, F&& each) {
    const nlohmann::json* v = fetch(key, need);
    if (!v) return false;
    if (!v->is_array()) {
      wrong_type(key, *v, "an array");
      return false;
    }
    if (v->size() > max_items) {
      errors_->add(field_path(key), "has " + std::to_string(v->size()) + " items; at most " +
                                        std::to_string(max_items) + " allowed");
      return false;
    }
    for (std::size_t i = 0; i < v->size(); ++i) each((*v)[i], field_path(key) + "[" + std::to_string(i) + "]");
    return true;
  }
  std::optional<ObjectReader> object(std::string_view key, Need need = Need::kOptional);

  template <typename E>
  std::optional<E> choice(std::string_view key, std::initializer_list<JsonChoice<E>> choices,
                          Need need = Need::kOptional) {
    auto s = string(key, need);
    if (!s) return std::nullopt;
    std::string list;
    for (const auto& c : choices) {
      if (c.name == *s) return c.value;
      list += (list.empty() ? "\"" : ", \"") + std::string(c.name) + "\"";
    }
    errors_->add(field_path(key), "must be one of " + list);
    return std::nullopt;
  }

  // Reports every field never asked for; runs once (the destructor calls it).
  void finish();

 private:
  const nlohmann::json* fetch(std::string_view key, Need need);
  void wrong_type(std::string_view key, const nlohmann::json& v, std::string_view expected);

  const nlohmann::json* value_;
  std::string path_;
  FieldErrors* errors_;
  std::vector<std::string> known_;
  bool finished_ = false;
};

// "an integer", "a string" ... for messages.
std::string_view json_type_name(const nlohmann::json& v) noexcept;

}  // namespace sb::api
