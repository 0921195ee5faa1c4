// Test peers for the SIP transport: plain POSIX UDP and TCP sockets on
// loopback (IPv4 or IPv6) with receive timeouts, and an inbox the
// transport's handler fills. Waits use generous timeouts and end as soon
// as the awaited event happens; nothing asserts on durations.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "control/sip/transport/sip_transport.hpp"

namespace sb::sip::test {

inline constexpr std::chrono::milliseconds kWait{5000};

inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// What the transport handed over, for the test thread to take.
class Inbox {
 public:
  MessageHandler handler() {
    return [this](ReceivedMessage m) {
      std::lock_guard lock(mu_);
      messages_.push_back(std::move(m));
      cv_.notify_all();
    };
  }
  std::optional<ReceivedMessage> next(std::chrono::milliseconds limit = kWait) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, limit, [&] { return !messages_.empty(); })) return std::nullopt;
    ReceivedMessage m = std::move(messages_.front());
    messages_.pop_front();
    return m;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReceivedMessage> messages_;
};

inline sockaddr_storage to_sockaddr(const Endpoint& e, socklen_t& len) {
  sockaddr_storage ss{};
  if (e.address.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(e.port);
    const auto b = e.address.to_v4().to_bytes();
    std::memcpy(&sa->sin_addr, b.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(e.port);
    const auto b = e.address.to_v6().to_bytes();
    std::memcpy(&sa->sin6_addr, b.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

inline Endpoint from_sockaddr(const sockaddr_storage& ss) {
  Endpoint e;
  if (ss.ss_family == AF_INET) {
    const auto* sa = reinterpret_cast<const sockaddr_in*>(&ss);
    boost::asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), &sa->sin_addr, 4);
    e.address = boost::asio::ip::address_v4(b);
    e.port = ntohs(sa->sin_port);
  } else {
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(&ss);
    boost::asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &sa->sin6_addr, 16);
    e.address = boost::asio::ip::address_v6(b);
    e.port = ntohs(sa->sin6_port);
  }
  return e;
}

inline bool wait_readable(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
}

class UdpClient {
 public:
  // Bound to an ephemeral port on `loopback` ("127.0.0.1" or "::1").
  explicit UdpClient(const char* loopback = "127.0.0.1") {
    Endpoint local{boost::asio::ip::make_address(loopback), 0};
    fd_ = ::socket(local.address.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
    socklen_t len = 0;
    auto ss = to_sockaddr(local, len);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
    sockaddr_storage bound{};
    socklen_t blen = sizeof(bound);
    if (ok_ && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen) == 0) local_ = from_sockaddr(bound);
  }
  ~UdpClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;

  bool ok() const { return ok_; }
  const Endpoint& local() const { return local_; }
  bool send_to(const Endpoint& to, const std::string& bytes) {
    socklen_t len = 0;
    auto ss = to_sockaddr(to, len);
    return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) ==
           static_cast<ssize_t>(bytes.size());
  }
  std::optional<std::string> receive(std::chrono::milliseconds limit = kWait) {
    if (!wait_readable(fd_, limit)) return std::nullopt;
    std::string buf(70000, '\0');
    const auto n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  Endpoint local_;
};

class TcpClient {
 public:
  explicit TcpClient(const Endpoint& to) {
    fd_ = ::socket(to.address.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM, 0);
    socklen_t len = 0;
    auto ss = to_sockaddr(to, len);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
    int one = 1;
    if (connected_) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_storage bound{};
    socklen_t blen = sizeof(bound);
    if (connected_ && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen) == 0) local_ = from_sockaddr(bound);
  }
  explicit TcpClient(int accepted_fd) : fd_(accepted_fd), connected_(accepted_fd >= 0) {}
  ~TcpClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  bool connected() const { return connected_; }
  const Endpoint& local() const { return local_; }
  bool write(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads until `want` bytes arrived, the peer closed, or the time is up.
  std::string read(std::size_t want, std::chrono::milliseconds limit = kWait) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (out.size() < want) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !wait_readable(fd_, left)) break;
      char buf[4096];
      const auto n = ::recv(fd_, buf, std::min(sizeof(buf), want - out.size()), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // Reads up to and including the first "\r\n\r\n" plus any body per
  // Content-Length: one SIP message.
  std::string read_message(std::chrono::milliseconds limit = kWait) {
    std::string out;
    while (out.find("\r\n\r\n") == std::string::npos) {
      auto b = read(1, limit);
      if (b.empty()) return out;
      out += b;
    }
    const auto cl = out.find("Content-Length: ");
    if (cl != std::string::npos) {
      const auto n = std::stoul(out.substr(cl + 16));
      out += read(n, limit);
    }
    return out;
  }
  // True once the peer has closed (EOF or reset) within the time.
  bool wait_closed(std::chrono::milliseconds limit = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !wait_readable(fd_, left)) return false;
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return true;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  Endpoint local_;
};

// A listening TCP socket for the transport's outbound connections.
class TcpServer {
 public:
  TcpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    Endpoint local{boost::asio::ip::make_address("127.0.0.1"), 0};
    socklen_t len = 0;
    auto ss = to_sockaddr(local, len);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0 && ::listen(fd_, 8) == 0;
    sockaddr_storage bound{};
    socklen_t blen = sizeof(bound);
    if (ok_ && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen) == 0) local_ = from_sockaddr(bound);
  }
  ~TcpServer() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  const Endpoint& local() const { return local_; }
  std::unique_ptr<TcpClient> accept(std::chrono::milliseconds limit = kWait) {
    if (!wait_readable(fd_, limit)) return nullptr;
    return std::make_unique<TcpClient>(::accept(fd_, nullptr, nullptr));
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  Endpoint local_;
};

inline bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return ok;
}

inline ListenAddress listen_on(const char* text) { return *parse_listen_address(text); }

// An OPTIONS request from `via_host` with the given extra header rows.
inline std::string options_request(const std::string& via, const std::string& call_id = "call-1",
                                   const std::string& extra = "", const std::string& body = "") {
  std::string m = "OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\n"
                  "Via: " + via + "\r\n"
                  "Max-Forwards: 70\r\n"
                  "From: <sip:alice@example.com>;tag=a1\r\n"
                  "To: <sip:sb@127.0.0.1>\r\n"
                  "Call-ID: " + call_id + "\r\n"
                  "CSeq: 1 OPTIONS\r\n" + extra;
  if (!body.empty()) m += "Content-Type: text/plain\r\n";
  m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return m;
}

}  // namespace sb::sip::test
