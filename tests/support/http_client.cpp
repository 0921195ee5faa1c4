#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <thread>

namespace sb::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

nlohmann::json HttpResult::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpResult::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

// Runs the context until `done` or the timeout; cancels what is left.
bool run_until(net::io_context& ioc, const bool& done, std::chrono::milliseconds timeout, beast::tcp_stream* s) {
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_for(std::chrono::milliseconds(20));
    ioc.restart();
  }
  if (!done && s) {
    s->cancel();
    ioc.run_for(std::chrono::milliseconds(100));
  }
  return done;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body, const Headers& headers, std::chrono::milliseconds timeout) {
  HttpResult result;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    result.error = "connect: " + ec.message();
    return result;
  }
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = body;
    req.prepare_payload();
  }
  bool done = false;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 << 20);
  http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
    // A server that refuses the body may answer before reading it all;
    // read the answer whatever happened to the write.
    if (wec) result.error = "write: " + wec.message();
    http::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) {
      if (rec) result.error += (result.error.empty() ? "" : "; ") + std::string("read: ") + rec.message();
      done = true;
    });
  });
  if (!run_until(ioc, done, timeout, &stream)) {
    result.error = "timeout";
    return result;
  }
  if (parser.is_header_done()) {
    auto& res = parser.get();
    result.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      result.headers[lower(std::string(f.name_string()))] = std::string(f.value());
    result.body = res.body();
  }
  return result;
}

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool RawConnection::read_until_closed(std::chrono::milliseconds wait, std::string* received) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;  // orderly close or reset
    if (received) received->append(buf, static_cast<std::size_t>(n));
  }
}

struct WsClient::Impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool ended = false;
  std::optional<int> close_code;
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() = default;

std::string WsClient::connect(std::uint16_t port, const std::string& target, const Headers& headers) {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "connect: " + ec.message();
  impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  bool done = false;
  std::string error;
  websocket::response_type res;
  impl_->ws.async_handshake(res, "127.0.0.1", target, [&](beast::error_code hec) {
    if (hec) error = "handshake: " + hec.message() + " (HTTP " + std::to_string(res.result_int()) + ")";
    done = true;
  });
  if (!run_until(impl_->ioc, done, std::chrono::seconds(10), &beast::get_lowest_layer(impl_->ws))) return "timeout";
  return error;
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
  if (impl_->ended) return std::nullopt;
  bool done = false;
  beast::error_code ec;
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code rec, std::size_t) {
    ec = rec;
    done = true;
  });
  if (!run_until(impl_->ioc, done, timeout, &beast::get_lowest_layer(impl_->ws))) {
    impl_->ended = true;  // a cancelled websocket read leaves the stream unusable
    return std::nullopt;
  }
  if (ec) {
    impl_->ended = true;
    // Set when a close frame arrived, whatever happened to the TCP
    // connection after it.
    if (impl_->ws.reason().code != websocket::close_code::none) impl_->close_code = impl_->ws.reason().code;
    return std::nullopt;
  }
  std::string s = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(impl_->buffer.size());
  return s;
}

std::optional<nlohmann::json> WsClient::read_json(std::chrono::milliseconds timeout) {
  auto s = read(timeout);
  if (!s) return std::nullopt;
  return nlohmann::json::parse(*s, nullptr, false);
}

bool WsClient::write(const std::string& text) {
  bool done = false;
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.async_write(net::buffer(text), [&](beast::error_code wec, std::size_t) {
    ec = wec;
    done = true;
  });
  return run_until(impl_->ioc, done, std::chrono::seconds(10), &beast::get_lowest_layer(impl_->ws)) && !ec;
}

void WsClient::close() {
  bool done = false;
  impl_->ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  run_until(impl_->ioc, done, std::chrono::seconds(5), &beast::get_lowest_layer(impl_->ws));
  impl_->ended = true;
}

std::optional<int> WsClient::close_code() const { return impl_->close_code; }
bool WsClient::ended() const { return impl_->ended; }

void WsClient::shrink_receive_buffer() {
  const int small = 4096;
  setsockopt(beast::get_lowest_layer(impl_->ws).socket().native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
}

}  // namespace sb::test
