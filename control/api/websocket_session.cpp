// One client of the /api/v1/events WebSocket: sends the events the hub
// delivers (after a hello), answers the client's commands, and is cut off
// when it falls too far behind (see event_hub.hpp for why).
#include <spdlog/spdlog.h>

#include "common/log.hpp"
#include "control/api/server_impl.hpp"

namespace sb::api {

namespace {
EventMessage control_message(const nlohmann::json& j) { return std::make_shared<const std::string>(j.dump()); }
}  // namespace

WsSession::WsSession(beast::tcp_stream&& stream, HttpServer::Impl& impl, EventFilter filter,
                     std::optional<std::uint64_t> since)
    : ws_(std::move(stream)),
      impl_(impl),
      filter_(std::make_shared<const EventFilter>(std::move(filter))),
      since_(since),
      close_timer_(ws_.get_executor()),
      limit_(impl.limits.load()->event_queue_limit) {
  impl_.connections.fetch_add(1, std::memory_order_relaxed);
  if (impl_.metrics && impl_.metrics->connections) impl_.metrics->connections->add(1);
}

WsSession::~WsSession() {
  impl_.connections.fetch_sub(1, std::memory_order_relaxed);
  if (impl_.metrics && impl_.metrics->connections) impl_.metrics->connections->add(-1);
}

void WsSession::run(http::request<http::string_body> request) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket stream keeps its own timeouts
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "switchboard/" SB_VERSION); }));
  ws_.read_message_max(kMaxClientMessageBytes);
  ws_.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) {
    finished_ = true;  // never subscribed
    return;
  }
  impl_.ws_clients.fetch_add(1, std::memory_order_relaxed);
  if (impl_.metrics && impl_.metrics->event_clients) impl_.metrics->event_clients->add(1);
  // Replayed events are posted to this strand by subscribe(); the hello
  // queued right after it here still goes out first.
  const auto sub = impl_.hub->subscribe(shared_from_this(), since_);
  nlohmann::json hello = {{"op", "hello"},
                          {"last_seq", sub.last_seq},
                          {"types", filter_.load()->patterns()},
                          {"queue_limit", limit_}};
  if (since_) {
    hello["since"] = *since_;
    hello["gap"] = sub.gap;
    hello["oldest_available"] = sub.oldest_replayable;
  }
  enqueue(control_message(hello), false);
  read();
}

bool WsSession::wants(std::string_view type) const { return filter_.load()->matches(type); }

void WsSession::deliver(std::vector<EventMessage> batch) {
  if (slow_.load(std::memory_order_relaxed)) return;
  const std::uint64_t n = batch.size();
  if (pending_.fetch_add(n, std::memory_order_relaxed) + n > limit_) {
    if (!slow_.exchange(true, std::memory_order_relaxed))
      net::post(ws_.get_executor(), beast::bind_front_handler(&WsSession::close_slow, shared_from_this()));
    return;
  }
  net::post(ws_.get_executor(), [self = shared_from_this(), batch = std::move(batch)]() mutable {
    for (auto& m : batch) self->enqueue(std::move(m), true);
  });
}

void WsSession::enqueue(EventMessage m, bool counted) {
  if (closing_) return;
  queue_.push_back({std::move(m), counted});
  write();
}

void WsSession::write() {
  if (writing_) return;
  if (queue_.empty()) {
    if (close_after_write_) {
      auto reason = *close_after_write_;
      close_after_write_.reset();
      start_close(reason, close_metric_);
    }
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_.front().message),
                  beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (!queue_.empty()) {
    if (queue_.front().counted) pending_.fetch_sub(1, std::memory_order_relaxed);
    queue_.pop_front();
  }
  if (ec) {
    finish(closing_ ? close_metric_ : "error");
    return;
  }
  write();
}

void WsSession::read() {
  ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    finish(closing_ ? close_metric_ : (ec == websocket::error::closed ? "closed" : "error"));
    return;
  }
  const std::string text = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  if (!ws_.got_text()) {
    enqueue(control_message({{"op", "error"}, {"message", "send commands as JSON text messages"}}), false);
  } else if (auto cmd = parse_client_command(text); !cmd) {
    enqueue(control_message({{"op", "error"}, {"message", cmd.status().message()}}), false);
  } else {
    nlohmann::json reply;
    if (cmd->op == ClientCommand::Op::kSubscribe) {
      filter_.store(std::make_shared<const EventFilter>(cmd->filter));
      reply = {{"op", "subscribed"}, {"types", cmd->filter.patterns()}, {"last_seq", impl_.hub->last_seq()}};
    } else {
      reply = {{"op", "pong"}};
    }
    if (!cmd->id.empty()) reply["id"] = cmd->id;
    enqueue(control_message(reply), false);
  }
  read();
}

void WsSession::close_slow() {
  if (closing_) return;
  SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::warn,
                     "api: event stream client fell more than {} events behind; disconnecting it", limit_);
  // Drop what is queued but not on the wire; the client resumes with
  // ?since=<last seq it saw> and gets those from the replay buffer.
  while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
  websocket::close_reason reason(websocket::close_code::policy_error,
                                 "slow consumer: more than " + std::to_string(limit_) + " events pending");
  if (!writing_) {
    start_close(reason, "slow");
    return;
  }
  // A client that does not read leaves our write hanging; give the close
  // frame a moment to follow it, then cut the connection.
  close_after_write_ = reason;
  close_metric_ = "slow";
  closing_ = true;
  close_timer_.expires_after(std::chrono::seconds(1));
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_) return;
    beast::get_lowest_layer(self->ws_).close();
  });
}

void WsSession::shut_down() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->closing_ || self->finished_) return;
    // Events already accepted still go out (the last ones tell the client
    // the daemon is stopping), then the close frame. stop() cuts the
    // connection if this takes too long.
    self->close_after_write_ = websocket::close_reason(websocket::close_code::going_away, "server shutting down");
    self->close_metric_ = "shutdown";
    self->write();
  });
}

void WsSession::force_close() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).socket().close(ignored);
  });
}

void WsSession::start_close(websocket::close_reason reason, const char* metric_reason) {
  closing_ = true;
  close_metric_ = metric_reason;
  ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {
    self->finish(self->close_metric_);
  });
}

void WsSession::finish(const char* reason) {
  if (finished_) return;
  finished_ = true;
  close_timer_.cancel();
  impl_.hub->unsubscribe(this);
  impl_.ws_clients.fetch_sub(1, std::memory_order_relaxed);
  if (impl_.metrics) {
    if (impl_.metrics->event_clients) impl_.metrics->event_clients->add(-1);
    if (impl_.metrics->event_disconnects) impl_.metrics->event_disconnects->with({reason}).inc();
  }
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace sb::api
