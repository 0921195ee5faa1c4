#include "control/demo/api_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sb::demo {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ApiClient::Impl {
  net::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

ApiClient::ApiClient(std::string host, std::uint16_t port, std::string token)
    : impl_(std::make_unique<Impl>()), host_(std::move(host)), port_(port), token_(std::move(token)) {}

ApiClient::~ApiClient() = default;

ApiResponse ApiClient::request(const std::string& method, const std::string& target, const std::string& body) {
  ApiResponse out;
  // Two tries: a kept-alive connection the server closed meanwhile fails
  // once, then a fresh one is made.
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!impl_->stream) {
      impl_->stream.emplace(impl_->io);
      tcp::resolver resolver(impl_->io);
      auto results = resolver.resolve(host_, std::to_string(port_), ec);
      if (!ec) impl_->stream->connect(results, ec);
      if (ec) {
        impl_->stream.reset();
        continue;
      }
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_);
    req.keep_alive(true);
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    impl_->stream->expires_after(std::chrono::seconds(10));
    http::write(*impl_->stream, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(*impl_->stream, impl_->buffer, res, ec);
    if (ec) {
      impl_->stream.reset();
      impl_->buffer.clear();
      continue;
    }
    out.status = static_cast<int>(res.result_int());
    out.text = std::move(res.body());
    out.body = nlohmann::json::parse(out.text, nullptr, /*allow_exceptions=*/false);
    if (out.body.is_discarded()) out.body = nullptr;
    if (!res.keep_alive()) impl_->stream.reset();
    return out;
  }
  return out;
}

}  // namespace sb::demo
