// A small synchronous HTTP/JSON client for the daemon's own API, used by
// the demo's simulated callers and agents so that they drive Switchboard
// exactly as an agent desktop or a wallboard would: over HTTP with a
// bearer token. One keep-alive connection, reopened after an error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace sb::demo {

struct ApiResponse {
  int status = 0;             // 0: no response (connection failed)
  nlohmann::json body;        // null when not JSON
  std::string text;
};

class ApiClient {
 public:
  ApiClient(std::string host, std::uint16_t port, std::string token);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  ApiResponse get(const std::string& target) { return request("GET", target, ""); }
  ApiResponse post(const std::string& target, const nlohmann::json& body = nullptr) {
    return request("POST", target, body.is_null() ? std::string() : body.dump());
  }
  ApiResponse request(const std::string& method, const std::string& target, const std::string& body);
  void set_token(std::string token) { token_ = std::move(token); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_;
  std::uint16_t port_;
  std::string token_;
};

}  // namespace sb::demo
