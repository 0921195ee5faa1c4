// The transaction layer: owns the client and server transactions of one
// control thread, matches what the transport receives to them (RFC 3261
// §17.1.3, §17.2.3 with the RFC 2543 fallback), creates server transactions
// for new requests, answers CANCEL (§9.2), and runs every transaction's
// timers from one ordered deadline set.
//
//   TransactionLayer layer(clock, tu, {});
//   // transport -> layer
//   layer.on_bytes(std::move(datagram), source);
//   // TU -> layer
//   auto id = layer.send_request(invite_with(layer.new_branch()), peer);
//   layer.respond(server_id, 180, "Ringing", {.to_tag = tag});
//   // event loop
//   if (auto d = layer.next_deadline()) sleep_until(*d); layer.on_tick(clock.now());
//
// What reaches the TU (see TransactionUser): new requests, responses of its
// client transactions, 2xx to INVITE that match no transaction, ACKs that
// are not the transaction's own (ACK of a 2xx), CANCELs with the INVITE
// they cancel, timeouts, transport errors, terminations. What does not:
// retransmissions, ACKs of non-2xx finals, stray non-2xx responses (counted
// in stats() and dropped).
//
// Not thread-safe: one layer per control thread. The TU may call back into
// the layer from its callbacks; transactions that end are removed when the
// outermost call returns, so ids stay valid for the whole callback.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "control/sip/builder.hpp"
#include "control/sip/transaction.hpp"

namespace sb::sip {

struct TransactionLayerConfig {
  TimerConfig timers;
  // Live transactions (client and server) at most; a new request beyond it
  // is answered 503 with Retry-After statelessly, a new client request
  // fails with resource-exhausted.
  std::size_t max_transactions = 20000;
  std::uint32_t retry_after_seconds = 5;
  // Seed for branch ids and tags; 0 draws one from std::random_device.
  std::uint64_t seed = 0;
};

struct TransactionLayerStats {
  std::uint64_t client_transactions = 0;     // created
  std::uint64_t server_transactions = 0;     // created
  std::uint64_t retransmissions_absorbed = 0;// requests matched to a server transaction (ACKs excluded)
  std::uint64_t acks_absorbed = 0;           // ACKs of non-2xx, kept by their transaction
  std::uint64_t acks_to_tu = 0;              // ACKs of 2xx passed up
  std::uint64_t stray_responses = 0;         // no client transaction: dropped
  std::uint64_t stray_2xx_to_tu = 0;         // no client transaction, 2xx to INVITE: passed up
  std::uint64_t cancels_unmatched = 0;       // answered 481
  std::uint64_t rejected_overload = 0;       // answered 503
  std::uint64_t bad_requests = 0;            // failed validation: 400 (or dropped, for ACK)
  std::uint64_t bad_responses = 0;           // failed validation: dropped
  std::uint64_t unparsable = 0;              // on_bytes could not parse
};

class TransactionLayer {
 public:
  TransactionLayer(const Clock& clock, TransactionUser& tu, TransactionLayerConfig config = {});
  ~TransactionLayer();
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  // ---- from the transport -------------------------------------------------
  // One received message and where it came from (a server transaction
  // answers there). Everything that goes wrong is counted, never returned:
  // the network is not an error source for the caller.
  void on_message(OwnedMessage message, const Peer& source);
  // The same for bytes that still need parsing (one datagram, or one
  // framed stream message). invalid-argument/out-of-range from the parser
  // are returned so the transport can answer 400/513 (builder.hpp).
  Status on_bytes(std::string bytes, const Peer& source, const ParseLimits& limits = {});

  // ---- from the TU ----------------------------------------------------------
  // A fresh branch id, "z9hG4bK" + 64 random bits + a per-layer counter, for
  // the top Via of each new request (ACK of a 2xx included).
  std::string new_branch();
  // A random tag for From/To (§19.3).
  std::string new_tag();
  // Starts a client transaction for `request` (its top Via must carry a
  // branch from new_branch()). invalid-argument when the request does not
  // parse or validate, or has no RFC 3261 branch; failed-precondition for
  // ACK (never a transaction); already-exists when the branch and method
  // are in use; resource-exhausted at the limit. A transport error on the
  // first send is reported through the TU like any later one.
  Result<TransactionId> send_request(std::string request, const Peer& destination);
  // The TU's response on server transaction `id`. not-found for an id that
  // is not a live server transaction; otherwise ServerTransaction::respond.
  Status respond(TransactionId id, std::string response);
  Status respond(TransactionId id, int code, std::string_view reason, const ResponseOptions& options = {});

  // ---- timers ---------------------------------------------------------------
  std::optional<Nanos> next_deadline() const;
  void on_tick(Nanos now);

  // ---- inspection -----------------------------------------------------------
  const Transaction* find(TransactionId id) const;
  std::size_t size() const noexcept { return txns_.size(); }
  const TransactionLayerStats& stats() const noexcept { return stats_; }

 private:
  struct Entry {
    std::unique_ptr<Transaction> txn;
    ClientTransaction* client = nullptr;
    ServerTransaction* server = nullptr;
    std::string key;
    bool indexed = false;
    // RFC 2543 matching compares To tags outside the key (§17.2.3).
    bool legacy = false;
    std::string request_to_tag;
    std::optional<Nanos> scheduled;
  };
  // Forwards the transactions' reports to the TU and notes which ended.
  class Relay final : public TransactionUser {
   public:
    explicit Relay(TransactionLayer& layer) : layer_(layer) {}
    Status send(const OutboundMessage& m) override { return layer_.tu_.send(m); }
    void on_request(TransactionId id, const SipMessage& r) override { layer_.tu_.on_request(id, r); }
    void on_response(TransactionId id, const SipMessage& r) override { layer_.tu_.on_response(id, r); }
    void on_timeout(TransactionId id) override { layer_.tu_.on_timeout(id); }
    void on_transport_error(TransactionId id, const Status& e) override { layer_.tu_.on_transport_error(id, e); }
    void on_cancel(TransactionId id, const SipMessage& c) override { layer_.tu_.on_cancel(id, c); }
    void on_terminated(TransactionId id) override {
      layer_.dead_.push_back(id);
      layer_.tu_.on_terminated(id);
    }

   private:
    TransactionLayer& layer_;
  };
  // Holds removal of ended transactions until the outermost call returns.
  class Guard {
   public:
    explicit Guard(TransactionLayer& l) : l_(l) { ++l_.depth_; }
    ~Guard() {
      if (--l_.depth_ == 0) l_.sweep();
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    TransactionLayer& l_;
  };

  void handle_request(OwnedMessage message, const Peer& source, Nanos now);
  void handle_response(const SipMessage& response, Nanos now);
  void handle_cancel(TransactionId cancel_id, const SipMessage& cancel, Nanos now);
  // The live server transaction `request` belongs to, matching it as if its
  // method were `method`; kNoTransaction when none.
  TransactionId match_server(const SipMessage& request, std::string_view method) const;
  void send_stateless(const std::string& bytes, const Peer& to);
  void reschedule(TransactionId id, Entry& e);
  void sweep();
  std::uint64_t random64() { return rng_(); }

  const Clock& clock_;
  TransactionUser& tu_;
  TransactionLayerConfig cfg_;
  Relay relay_{*this};
  std::mt19937_64 rng_;
  std::uint64_t branch_counter_ = 0;
  TransactionId next_id_ = 1;
  std::unordered_map<TransactionId, Entry> txns_;
  std::unordered_map<std::string, TransactionId> client_index_;
  std::unordered_map<std::string, TransactionId> server_index_;
  std::set<std::pair<Nanos, TransactionId>> deadlines_;
  std::vector<TransactionId> dead_;
  int depth_ = 0;
  TransactionLayerStats stats_;
};

}  // namespace sb::sip
