// A real HTTP and WebSocket client for tests (Boost.Beast over loopback),
// every operation bounded by a timeout so a broken server fails a test
// instead of hanging it. Also raw TCP helpers for misbehaving clients
// (slow senders, oversized requests).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sb::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;                             // 0: no response (see error)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;
  nlohmann::json json() const;  // the body parsed; null when it is not JSON
  std::string header(const std::string& name) const;
};

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "", const Headers& headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

inline Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
inline Headers json_with(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

// A plain TCP connection to 127.0.0.1:port.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return fd_ >= 0; }
  // False when the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  // Reads until the peer closes or `wait` passes; true when it closed.
  bool read_until_closed(std::chrono::milliseconds wait, std::string* received = nullptr);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Empty string on success, else why the handshake failed (with the
  // HTTP status when the server refused the upgrade).
  std::string connect(std::uint16_t port, const std::string& target, const Headers& headers = {});
  // The next text message, or nullopt on timeout or when the connection ended.
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<nlohmann::json> read_json(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool write(const std::string& text);
  void close();
  // The close code the server sent, when it closed with a close frame.
  std::optional<int> close_code() const;
  bool ended() const;
  // Stop reading from the socket entirely (for slow-consumer tests) while
  // keeping the connection open.
  void shrink_receive_buffer();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Polls `cond` until it holds or `limit` passes. For waiting on effects
// that happen on other threads, never for asserting how long they took.
template <typename F>
bool eventually(F&& cond, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

}  // namespace sb::test
