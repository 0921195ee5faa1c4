#include "control/api/json_validation.hpp"

#include <algorithm>
#include <cmath>

namespace sb::api {

namespace {

// Builds the DOM like nlohmann's own SAX DOM parser, and refuses what a
// lenient parser would accept silently: duplicate keys, too deep nesting,
// too many elements.
class StrictSax {
 public:
  using json = nlohmann::json;
  explicit StrictSax(json& root) : root_(root) {}

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return add(json(v)); }
  bool string(json::string_t& v) { return add(json(std::move(v))); }
  bool binary(json::binary_t&) { return fail("binary values are not JSON"); }
  bool start_object(std::size_t) {
    json* j = add_container(json::object());
    if (!j) return false;
    stack_.push_back(j);
    keys_.emplace_back();
    return true;
  }
  bool key(json::string_t& k) {
    if (stack_.back()->contains(k)) return fail("duplicate key \"" + k + "\"");
    keys_.back() = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    json* j = add_container(json::array());
    if (!j) return false;
    stack_.push_back(j);
    keys_.emplace_back();
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    if (error_.empty()) {
      // nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
      std::string what = ex.what();
      const auto colon = what.find(": ", what.find("parse error"));
      error_ = "byte " + std::to_string(position) + ": " +
               (colon == std::string::npos ? what : what.substr(colon + 2));
    }
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  json* insert(json&& v) {
    if (++elements_ > kMaxElements) {
      fail("more than " + std::to_string(kMaxElements) + " values");
      return nullptr;
    }
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    json& slot = parent[keys_.back()];
    slot = std::move(v);
    return &slot;
  }
  bool add(json&& v) { return insert(std::move(v)) != nullptr; }
  json* add_container(json&& v) {
    if (static_cast<int>(stack_.size()) >= kMaxDepth) {
      fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
      return nullptr;
    }
    return insert(std::move(v));
  }

  json& root_;
  std::vector<json*> stack_;
  std::vector<std::string> keys_;
  std::size_t elements_ = 0;
  std::string error_;
};

}  // namespace

std::optional<nlohmann::json> parse_strict_json(std::string_view text, std::string* error) {
  nlohmann::json root;
  StrictSax sax(root);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json, true);
  } catch (const std::exception& e) {  // belt and braces: the SAX interface reports, it should not throw
    *error = e.what();
    return std::nullopt;
  }
  if (!ok) {
    *error = sax.error().empty() ? "not valid JSON" : sax.error();
    return std::nullopt;
  }
  return root;
}

JsonBody parse_json_body(const HttpRequest& req, bool empty_is_object) {
  if (req.body.empty()) {
    if (empty_is_object) return nlohmann::json::object();
    return error_response(400, "malformed_json", "the request needs a JSON body");
  }
  const std::string* ct = req.header("content-type");
  std::string type = ct ? ct->substr(0, ct->find(';')) : std::string();
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  if (type != "application/json")
    return error_response(415, "unsupported_media_type", "send the body as Content-Type: application/json");
  std::string why;
  auto j = parse_strict_json(req.body, &why);
  if (!j) return error_response(400, "malformed_json", "the body is not valid JSON: " + why);
  return std::move(*j);
}

HttpResponse FieldErrors::response() const {
  const std::string first = problems_.empty() ? std::string("invalid request")
                                              : (problems_[0].field.empty() ? std::string("body") : problems_[0].field) +
                                                    ": " + problems_[0].message;
  return error_response(422, "invalid_request", first, problems_);
}

std::string_view json_type_name(const nlohmann::json& v) noexcept {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a floating-point number";
    default: return "an unsupported value";
  }
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string path, FieldErrors& errors)
    : value_(&value), path_(std::move(path)), errors_(&errors) {
  if (!value.is_object()) {
    errors.add(path_, "must be an object, found " + std::string(json_type_name(value)));
    value_ = nullptr;
  }
}

ObjectReader::~ObjectReader() {
  if (!finished_) finish();
}

ObjectReader::ObjectReader(ObjectReader&& other) noexcept
    : value_(other.value_),
      path_(std::move(other.path_)),
      errors_(other.errors_),
      known_(std::move(other.known_)),
      finished_(other.finished_) {
  other.finished_ = true;
}

std::string ObjectReader::field_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

bool ObjectReader::has(std::string_view key) const { return value_ && value_->contains(key); }

const nlohmann::json* ObjectReader::fetch(std::string_view key, Need need) {
  known_.emplace_back(key);
  if (!value_) return nullptr;
  auto it = value_->find(key);
  if (it == value_->end()) {
    if (need == Need::kRequired) errors_->add(field_path(key), "is required");
    return nullptr;
  }
  return &*it;
}

void ObjectReader::wrong_type(std::string_view key, const nlohmann::json& v, std::string_view expected) {
  errors_->add(field_path(key), "must be " + std::string(expected) + ", found " + std::string(json_type_name(v)));
}

std::optional<std::string> ObjectReader::string(std::string_view key, Need need, std::size_t min_len,
                                                std::size_t max_len) {
  const nlohmann::json* v = fetch(key, need);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    wrong_type(key, *v, "a string");
    return std::nullopt;
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() < min_len || s.size() > max_len) {
    errors_->add(field_path(key),
                 "must be " + std::to_string(min_len) + " to " + std::to_string(max_len) + " bytes long");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> ObjectReader::integer(std::string_view key, std::int64_t min, std::int64_t max,
                                                  Need need) {
  const nlohmann::json* v = fetch(key, need);
  if (!v) return std::nullopt;
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max) || static_cast<std::int64_t>(u) < min) {
      errors_->add(field_path(key), "must be " + range);
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (!v->is_number_integer()) {
    wrong_type(key, *v, range);
    return std::nullopt;
  }
  const auto i = v->get<std::int64_t>();
  if (i < min || i > max) {
    errors_->add(field_path(key), "must be " + range);
    return std::nullopt;
  }
  return i;
}

std::optional<double> ObjectReader::number(std::string_view key, double min, double max, Need need) {
  const nlohmann::json* v = fetch(key, need);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    wrong_type(key, *v, "a number");
    return std::nullopt;
  }
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    errors_->add(field_path(key), "must be a number from " + nlohmann::json(min).dump() + " to " +
                                      nlohmann::json(max).dump());
    return std::nullopt;
  }
  return d;
}

std::optional<bool> ObjectReader::boolean(std::string_view key, Need need) {
  const nlohmann::json* v = fetch(key, need);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    wrong_type(key, *v, "true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<ObjectReader> ObjectReader::object(std::string_view key, Need need) {
  const nlohmann::json* v = fetch(key, need);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    wrong_type(key, *v, "an object");
    return std::nullopt;
  }
  return ObjectReader(*v, field_path(key), *errors_);
}

void ObjectReader::finish() {
  if (finished_) return;
  finished_ = true;
  if (!value_) return;
  for (auto it = value_->begin(); it != value_->end(); ++it)
    if (std::find(known_.begin(), known_.end(), it.key()) == known_.end())
      errors_->add(field_path(it.key()), "is not a known field");
}

}  // namespace sb::api
