// SIP transactions (RFC 3261 §17, with the Accepted states RFC 6026 adds to
// both INVITE machines): the layer that turns an unreliable datagram service
// into request/response exchanges by retransmitting, absorbing duplicates
// and timing out.
//
// Each transaction here is a pure state machine. It never reads a clock and
// owns no socket: every event carries the time it happened (`now`), timers
// are deadlines the owner polls with `next_deadline()` / `on_tick(now)`, and
// bytes leave through `MessageSink::send`. That is what lets the tests drive
// every timer path with a ManualClock, and what lets one control thread run
// many thousands of transactions off a single timer wheel.
//
// Most code uses them through TransactionLayer (transaction_layer.hpp),
// which creates, matches and retires them. Used alone:
//
//   InviteClientTransaction t(id, std::move(*invite), peer, timers, tu);
//   if (auto st = t.start(clock.now()); !st) ...;   // sends, enters Calling
//   t.on_response(parsed_response, clock.now());      // 1xx/2xx/... from the wire
//   if (auto d = t.next_deadline()) { ...at *d: t.on_tick(*d); }
//
// Reports go to the TransactionUser (the TU: dialog layer, UA core), always
// with the transaction's id, never with a reference the TU could keep past
// the transaction's end.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "control/sip/message.hpp"

namespace sb::sip {

using TransactionId = std::uint64_t;
// The id reported with messages that belong to no transaction: an ACK for a
// 2xx, a 2xx to INVITE whose client transaction has gone.
inline constexpr TransactionId kNoTransaction = 0;

// RFC 3261 §17.1.1.1 and Table 4. T1 is the RTT estimate, T2 the cap on
// non-INVITE and 2xx retransmission intervals, T4 how long the network may
// hold a message. The 100 Trying delay is §17.2.1's "200 ms".
struct TimerConfig {
  Nanos t1 = from_millis(500);
  Nanos t2 = from_millis(4000);
  Nanos t4 = from_millis(5000);
  // Timer D on unreliable transports: "at least 32 seconds" (§17.1.1.2).
  Nanos timer_d = from_millis(32000);
  Nanos trying_delay = from_millis(200);

  Nanos t1x64() const noexcept { return t1 * 64; }
};

// Where a message goes. The transaction layer does not resolve or connect:
// `host`/`port`/`transport` are handed back to the transport as given (for
// server transactions, the source the request came from, which is also
// where RFC 3581 symmetric responses and stream connection reuse send the
// response).
struct Peer {
  std::string host;
  std::uint16_t port = 5060;
  std::string transport = "UDP";
  // TCP, TLS, SCTP, WS: no retransmissions, zero-length wait timers.
  bool reliable = false;
};

struct OutboundMessage {
  TransactionId transaction = kNoTransaction;
  const Peer* destination = nullptr;
  // Valid only during the send() call: the sink copies what it keeps.
  std::string_view bytes;
  // A resend of bytes already sent (timer A/E/G, absorbed retransmission,
  // 2xx retransmission): for counters and tests.
  bool retransmission = false;
};

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // Puts the bytes on the wire. An error is a transport error (§17.1.4,
  // §17.2.4): the transaction reports it to the TU and ends.
  virtual Status send(const OutboundMessage& message) = 0;
};

// The transaction user. Callbacks may call back into the transaction or the
// layer (respond from on_request, send a BYE from on_timeout, ...).
class TransactionUser : public MessageSink {
 public:
  // Server transactions: a new request (once), or an ACK passed up: the ACK
  // of a 2xx matching an Accepted INVITE transaction, or one matching no
  // transaction at all (`id` is then kNoTransaction).
  virtual void on_request(TransactionId id, const SipMessage& request) = 0;
  // Client transactions: provisional and final responses, and 2xx
  // retransmissions in Accepted. `id` is kNoTransaction for a 2xx to INVITE
  // that no transaction matched (a forked or late 2xx the dialog must ACK).
  virtual void on_response(TransactionId id, const SipMessage& response) = 0;
  // Timer B or F (client: no final response), H (server: no ACK).
  virtual void on_timeout(TransactionId id) = 0;
  virtual void on_transport_error(TransactionId id, const Status& error) = 0;
  // A CANCEL matched the INVITE server transaction `invite` (§9.2). The
  // layer has already answered the CANCEL; the TU answers the INVITE with
  // 487 if it has no final response yet.
  virtual void on_cancel(TransactionId invite, const SipMessage& cancel) = 0;
  // The transaction reached Terminated; its id will not be reported again.
  virtual void on_terminated(TransactionId id) = 0;
};

// A parsed message together with the bytes its views point into. The bytes
// live on the heap so that moving an OwnedMessage keeps the views valid.
class OwnedMessage {
 public:
  static Result<OwnedMessage> parse(std::string bytes, const ParseLimits& limits = {});

  const SipMessage& message() const noexcept { return message_; }
  const std::string& bytes() const noexcept { return *bytes_; }
  const SipMessage* operator->() const noexcept { return &message_; }

 private:
  OwnedMessage() = default;
  std::unique_ptr<std::string> bytes_;
  SipMessage message_;
};

enum class TransactionState : std::uint8_t {
  kCalling,     // INVITE client
  kTrying,      // non-INVITE client and server
  kProceeding,
  kCompleted,
  kConfirmed,   // INVITE server
  kAccepted,    // INVITE client and server (RFC 6026)
  kTerminated,
};
std::string_view transaction_state_name(TransactionState s) noexcept;

// What every transaction has: an id, the request that made it, the peer,
// up to three timers, and the TU it reports to.
class Transaction {
 public:
  virtual ~Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  TransactionId id() const noexcept { return id_; }
  TransactionState state() const noexcept { return state_; }
  bool terminated() const noexcept { return state_ == TransactionState::kTerminated; }
  bool is_invite() const noexcept { return request_->method() == "INVITE"; }
  const OwnedMessage& request() const noexcept { return request_; }
  const Peer& peer() const noexcept { return peer_; }

  // The earliest running timer; nullopt when none runs.
  std::optional<Nanos> next_deadline() const noexcept;
  // Fires, in order, every timer due at or before `now`, each as if at its
  // own deadline, so a late tick keeps the RFC schedule.
  void on_tick(Nanos now);

 protected:
  Transaction(TransactionId id, OwnedMessage request, Peer peer, const TimerConfig& timers, TransactionUser& tu);

  static constexpr std::size_t kMaxTimers = 3;
  void arm(std::size_t slot, Nanos at) noexcept { timers_[slot] = at; }
  void disarm(std::size_t slot) noexcept { timers_[slot].reset(); }
  // A timer that fired; `at` is its deadline.
  virtual void fire(std::size_t slot, Nanos at) = 0;

  // Sends through the TU. On error reports a transport error and
  // terminates, unless `keep_state` (RFC 6026 Accepted states).
  Status transmit(std::string_view bytes, bool retransmission, bool keep_state = false);
  void set_state(TransactionState s) noexcept { state_ = s; }
  // Enters Terminated (once): stops every timer and tells the TU.
  void terminate();
  // Enters `next` and waits `wait` before terminating; a zero wait (the
  // reliable-transport case) terminates now.
  void linger(TransactionState next, std::size_t slot, Nanos wait, Nanos now);

  TransactionId id_;
  OwnedMessage request_;
  Peer peer_;
  TimerConfig cfg_;
  TransactionUser& tu_;
  TransactionState state_;
  std::array<std::optional<Nanos>, kMaxTimers> timers_{};
};

// ---- client transactions (client_transaction.cpp) ------------------------

class ClientTransaction : public Transaction {
 public:
  // Sends the request and starts the timers. A transport error is returned
  // and also reported (the transaction is then Terminated).
  virtual Status start(Nanos now) = 0;
  // A response whose top Via branch and CSeq method matched (§17.1.3).
  virtual void on_response(const SipMessage& response, Nanos now) = 0;

 protected:
  using Transaction::Transaction;
};

// Figure 5 with RFC 6026's Accepted state.
class InviteClientTransaction final : public ClientTransaction {
 public:
  InviteClientTransaction(TransactionId id, OwnedMessage request, Peer peer, const TimerConfig& timers,
                          TransactionUser& tu);
  Status start(Nanos now) override;
  void on_response(const SipMessage& response, Nanos now) override;

 private:
  enum : std::size_t { kTimerA, kTimerB, kTimerDorM };
  void fire(std::size_t slot, Nanos at) override;

  Nanos a_interval_{};
  std::string ack_;  // the ACK of the non-2xx final, resent for each retransmission
};

// Figure 6.
class NonInviteClientTransaction final : public ClientTransaction {
 public:
  NonInviteClientTransaction(TransactionId id, OwnedMessage request, Peer peer, const TimerConfig& timers,
                             TransactionUser& tu);
  Status start(Nanos now) override;
  void on_response(const SipMessage& response, Nanos now) override;

 private:
  enum : std::size_t { kTimerE, kTimerF, kTimerK };
  void fire(std::size_t slot, Nanos at) override;

  Nanos e_interval_{};
};

// ---- server transactions (server_transaction.cpp) ------------------------

class ServerTransaction : public Transaction {
 public:
  // Hands the request to the TU (on_request) and starts what runs in the
  // first state.
  virtual void start(Nanos now) = 0;
  // A request that matched this transaction (§17.2.3): a retransmission,
  // or for INVITE an ACK.
  virtual void on_request(const SipMessage& request, Nanos now) = 0;
  // The TU's response. failed-precondition when the state takes no such
  // response (anything after a final, except 2xx retransmissions in
  // Accepted), invalid-argument when it is not a response; a transport
  // error is returned and also reported.
  virtual Status respond(OwnedMessage response, Nanos now) = 0;

  // The last response sent (provisional or final), if any.
  const OwnedMessage* last_response() const noexcept { return last_ ? &*last_ : nullptr; }
  bool final_sent() const noexcept { return last_ && last_->message().status_code() >= 200; }

 protected:
  using Transaction::Transaction;
  Status check_response(const OwnedMessage& response) const;
  std::optional<OwnedMessage> last_;
};

// Figure 7 with RFC 6026's Accepted state.
class InviteServerTransaction final : public ServerTransaction {
 public:
  InviteServerTransaction(TransactionId id, OwnedMessage request, Peer peer, const TimerConfig& timers,
                          TransactionUser& tu);
  void start(Nanos now) override;
  void on_request(const SipMessage& request, Nanos now) override;
  Status respond(OwnedMessage response, Nanos now) override;

 private:
  enum : std::size_t { kTimerTrying, kTimerGorL, kTimerHorI };
  void fire(std::size_t slot, Nanos at) override;

  Nanos g_interval_{};
};

// Figure 8.
class NonInviteServerTransaction final : public ServerTransaction {
 public:
  NonInviteServerTransaction(TransactionId id, OwnedMessage request, Peer peer, const TimerConfig& timers,
                             TransactionUser& tu);
  void start(Nanos now) override;
  void on_request(const SipMessage& request, Nanos now) override;
  Status respond(OwnedMessage response, Nanos now) override;

 private:
  enum : std::size_t { kTimerJ };
  void fire(std::size_t slot, Nanos at) override;
};

// ---- the TU's helpers (transaction.cpp) ----------------------------------

// The 2xx retransmission a UAS core owes an INVITE (§13.3.1.4): the INVITE
// server transaction ends in Accepted without retransmitting, because the
// 2xx and its ACK are end to end. Resends at T1, doubling up to T2, until
// on_ack(), and gives up at 64*T1 so the TU can send BYE. It retransmits
// over reliable transports too: a reliable first hop says nothing about
// the hops beyond a proxy.
class TwoXxRetransmitter {
 public:
  enum class Outcome : std::uint8_t { kWaiting, kAcknowledged, kGaveUp, kTransportError };

  // `response` is the 2xx the TU has just sent at `sent_at`.
  TwoXxRetransmitter(TransactionId id, std::string response, Peer peer, const TimerConfig& timers, Nanos sent_at);

  // Resends what is due at or before `now` through `sink`. Returns the
  // outcome; kGaveUp or kTransportError is returned by the call in which
  // it happens and stays.
  Outcome on_tick(Nanos now, MessageSink& sink);
  void on_ack() noexcept;
  Outcome outcome() const noexcept { return outcome_; }
  std::optional<Nanos> next_deadline() const noexcept;
  std::size_t retransmissions() const noexcept { return retransmissions_; }

 private:
  TransactionId id_;
  std::string response_;
  Peer peer_;
  Nanos t2_;
  Nanos next_;
  Nanos interval_;
  Nanos give_up_at_;
  Outcome outcome_ = Outcome::kWaiting;
  std::size_t retransmissions_ = 0;
};

// The ACK an INVITE client transaction sends for a 300-699 (§17.1.1.3):
// the INVITE's Request-URI, Call-ID, From, top Via and Route fields, the
// response's To, CSeq number with method ACK. invalid-argument when the
// INVITE or the response lacks what it needs.
Result<std::string> make_ack_for_non_2xx(const SipMessage& invite, const SipMessage& response);

// A CANCEL for a pending INVITE the UAC sent (§9.1): same Request-URI,
// Call-ID, From, To, top Via (hence same branch) and Route fields, CSeq
// number with method CANCEL.
Result<std::string> make_cancel(const SipMessage& invite);

// How long a UAC waits after a 491 to its re-INVITE before trying again
// (§14.1): 2.1 to 4 s if it owns the dialog's Call-ID (it generated it),
// else 0 to 2 s, in 10 ms units. `random` is any uniformly distributed
// value; the caller supplies it so the rule stays testable.
Nanos glare_retry_delay(bool owns_call_id, std::uint64_t random) noexcept;

}  // namespace sb::sip
