// The transaction layer in virtual time: every RFC 3261 §17 / RFC 6026
// timer path, matching, CANCEL, limits, and the TU helpers. The manual
// clock is advanced from deadline to deadline, as an event loop would.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/transaction.hpp"
#include "control/sip/transaction_layer.hpp"

namespace sb::sip {
namespace {

using std::chrono::milliseconds;

Nanos ms(std::int64_t v) { return from_millis(v); }

struct Sent {
  TransactionId txn;
  std::string bytes;
  bool retransmission;
  Nanos at;
  bool reliable;
};

class RecordingTu final : public TransactionUser {
 public:
  explicit RecordingTu(const Clock& clock) : clock_(clock) {}

  Status send(const OutboundMessage& m) override {
    sent.push_back({m.transaction, std::string(m.bytes), m.retransmission, clock_.now(), m.destination->reliable});
    if (fail_sends) return io_error("connection refused");
    return Status::ok();
  }
  void on_request(TransactionId id, const SipMessage& r) override {
    requests.emplace_back(id, std::string(r.method()));
    if (request_hook) request_hook(id, r);
  }
  void on_response(TransactionId id, const SipMessage& r) override { responses.emplace_back(id, r.status_code()); }
  void on_timeout(TransactionId id) override { timeouts.push_back(id); }
  void on_transport_error(TransactionId id, const Status&) override { transport_errors.push_back(id); }
  void on_cancel(TransactionId invite, const SipMessage&) override {
    cancels.push_back(invite);
    if (cancel_hook) cancel_hook(invite);
  }
  void on_terminated(TransactionId id) override { terminated.push_back(id); }

  // Send times (ms) of what matched `pred`.
  std::vector<std::int64_t> times(const std::function<bool(const Sent&)>& pred) const {
    std::vector<std::int64_t> out;
    for (const auto& s : sent) {
      if (pred(s)) out.push_back(std::chrono::duration_cast<milliseconds>(s.at).count());
    }
    return out;
  }
  std::vector<std::int64_t> retransmission_times() const {
    return times([](const Sent& s) { return s.retransmission; });
  }

  bool fail_sends = false;
  std::vector<Sent> sent;
  std::vector<std::pair<TransactionId, std::string>> requests;
  std::vector<std::pair<TransactionId, int>> responses;
  std::vector<TransactionId> timeouts, transport_errors, cancels, terminated;
  std::function<void(TransactionId, const SipMessage&)> request_hook;
  std::function<void(TransactionId)> cancel_hook;

 private:
  const Clock& clock_;
};

OwnedMessage parse(const std::string& bytes) {
  auto m = OwnedMessage::parse(bytes);
  EXPECT_TRUE(m) << m.status().message() << "\n" << bytes;
  return std::move(*m);
}

// A request we send (client side).
std::string our_request(std::string_view method, std::string_view branch) {
  return std::string(method) + " sip:bob@198.51.100.7 SIP/2.0\r\n" +
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=" + std::string(branch) + "\r\n" +
         "Max-Forwards: 70\r\n"
         "Route: <sip:p1.example.com;lr>\r\n"
         "From: <sip:alice@example.com>;tag=a1\r\n"
         "To: <sip:bob@example.com>\r\n"
         "Call-ID: c1@192.0.2.1\r\n"
         "CSeq: 1 " + std::string(method) + "\r\n"
         "Contact: <sip:alice@192.0.2.1>\r\n"
         "Content-Length: 0\r\n\r\n";
}

// A request a peer sends us (server side). No branch: an RFC 2543 peer.
std::string peer_request(std::string_view method, std::string_view branch, std::string_view cseq_method = {},
                         std::string_view to_tag = {}) {
  std::string via = "Via: SIP/2.0/UDP 198.51.100.7:5060";
  if (!branch.empty()) via += ";branch=" + std::string(branch);
  std::string to = "To: <sip:service@192.0.2.1>";
  if (!to_tag.empty()) to += ";tag=" + std::string(to_tag);
  return std::string(method) + " sip:service@192.0.2.1 SIP/2.0\r\n" + via + "\r\n" +
         "Max-Forwards: 70\r\n"
         "From: <sip:caller@198.51.100.7>;tag=f1\r\n" + to + "\r\n" +
         "Call-ID: call-1@198.51.100.7\r\n"
         "CSeq: 7 " + std::string(cseq_method.empty() ? method : cseq_method) + "\r\n"
         "Content-Length: 0\r\n\r\n";
}

// The response a peer would send to `request`.
std::string response_to(const std::string& request, int code, std::string_view to_tag = "b1") {
  auto req = parse(request);
  auto r = make_response(req.message(), code, "Reason", {.to_tag = code == 100 ? std::string_view{} : to_tag});
  EXPECT_TRUE(r) << r.status().message();
  return *r;
}

class TransactionTest : public ::testing::Test {
 protected:
  TransactionTest() { make_layer({}); }

  void make_layer(TransactionLayerConfig cfg) {
    cfg.seed = 42;
    layer = std::make_unique<TransactionLayer>(clock, tu, cfg);
  }

  // Moves the clock to `t`, firing each deadline on the way at its time.
  void run_until(Nanos t) {
    while (auto d = layer->next_deadline()) {
      if (*d > t) break;
      if (*d > clock.now()) clock.set(*d);
      layer->on_tick(clock.now());
    }
    clock.set(t);
  }

  void receive(const std::string& bytes, const Peer& from) { ASSERT_TRUE(layer->on_bytes(bytes, from)); }

  TransactionState state(TransactionId id) const {
    const Transaction* t = layer->find(id);
    return t == nullptr ? TransactionState::kTerminated : t->state();
  }

  ManualClock clock;
  RecordingTu tu{clock};
  std::unique_ptr<TransactionLayer> layer;
  const Peer udp{"198.51.100.7", 5060, "UDP", false};
  const Peer tcp{"198.51.100.7", 5060, "TCP", true};
};

// ---- INVITE client ----------------------------------------------------------

TEST_F(TransactionTest, InviteClientTimerADoublesThenTimerBTimesOut) {
  const std::string branch = layer->new_branch();
  auto id = layer->send_request(our_request("INVITE", branch), udp);
  ASSERT_TRUE(id) << id.status().message();
  EXPECT_EQ(state(*id), TransactionState::kCalling);
  run_until(ms(31999));
  // A: 0.5, 1, 2, 4, 8, 16 s apart.
  EXPECT_EQ(tu.retransmission_times(), (std::vector<std::int64_t>{500, 1500, 3500, 7500, 15500, 31500}));
  EXPECT_TRUE(tu.timeouts.empty());
  run_until(ms(32000));  // B = 64*T1
  EXPECT_EQ(tu.timeouts, std::vector<TransactionId>{*id});
  EXPECT_EQ(tu.terminated, std::vector<TransactionId>{*id});
  EXPECT_EQ(layer->size(), 0u);
  EXPECT_FALSE(layer->next_deadline());
}

TEST_F(TransactionTest, InviteClientOverReliableTransportDoesNotRetransmit) {
  auto id = layer->send_request(our_request("INVITE", layer->new_branch()), tcp);
  ASSERT_TRUE(id);
  run_until(ms(40000));
  EXPECT_EQ(tu.sent.size(), 1u);
  EXPECT_EQ(tu.timeouts, std::vector<TransactionId>{*id});
}

TEST_F(TransactionTest, InviteClientProvisionalStopsRetransmissionsAndTimerB) {
  const std::string req = our_request("INVITE", layer->new_branch());
  auto id = layer->send_request(req, udp);
  ASSERT_TRUE(id);
  run_until(ms(600));
  receive(response_to(req, 180), udp);
  EXPECT_EQ(state(*id), TransactionState::kProceeding);
  run_until(ms(100000));
  EXPECT_EQ(tu.retransmission_times(), std::vector<std::int64_t>{500});
  EXPECT_TRUE(tu.timeouts.empty());  // the TU cancels a call that rings forever
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0], std::make_pair(*id, 180));
}

TEST_F(TransactionTest, InviteClientAcksNonTwoXxAndTimerDAbsorbsRetransmissions) {
  const std::string branch = layer->new_branch();
  const std::string req = our_request("INVITE", branch);
  auto id = layer->send_request(req, udp);
  ASSERT_TRUE(id);
  run_until(ms(1000));
  const std::string busy = response_to(req, 486, "t486");
  receive(busy, udp);
  EXPECT_EQ(state(*id), TransactionState::kCompleted);
  ASSERT_EQ(tu.sent.size(), 3u);  // INVITE, A at 0.5 s, ACK
  auto ack = parse(tu.sent.back().bytes);
  EXPECT_EQ(ack->method(), "ACK");
  EXPECT_EQ(ack->request_uri(), "sip:bob@198.51.100.7");
  EXPECT_EQ(cseq(ack.message())->number, 1u);
  EXPECT_EQ(cseq(ack.message())->method, "ACK");
  EXPECT_EQ(to(ack.message())->tag, "t486");
  EXPECT_EQ(from(ack.message())->tag, "a1");
  EXPECT_EQ(*call_id(ack.message()), "c1@192.0.2.1");
  ASSERT_EQ(vias(ack.message())->size(), 1u);
  EXPECT_EQ(vias(ack.message())->front().branch, branch);
  EXPECT_EQ(routes(ack.message())->size(), 1u);

  // The 486 again (our ACK was lost): the ACK again, the TU hears nothing.
  run_until(ms(5000));
  receive(busy, udp);
  EXPECT_EQ(tu.sent.size(), 4u);
  EXPECT_TRUE(tu.sent.back().retransmission);
  EXPECT_EQ(tu.sent.back().bytes, tu.sent[2].bytes);
  EXPECT_EQ(tu.responses.size(), 1u);

  run_until(ms(32999));  // D = 32 s from the first 486
  EXPECT_EQ(state(*id), TransactionState::kCompleted);
  run_until(ms(33000));
  EXPECT_EQ(state(*id), TransactionState::kTerminated);
  EXPECT_TRUE(tu.timeouts.empty());
  EXPECT_EQ(tu.sent.size(), 4u);  // no A after the final
}

TEST_F(TransactionTest, InviteClientOverReliableTransportEndsRightAfterTheAck) {
  const std::string req = our_request("INVITE", layer->new_branch());
  auto id = layer->send_request(req, tcp);
  ASSERT_TRUE(id);
  receive(response_to(req, 603), tcp);
  EXPECT_EQ(tu.sent.size(), 2u);  // INVITE, ACK
  EXPECT_EQ(tu.terminated, std::vector<TransactionId>{*id});  // D = 0
  EXPECT_EQ(layer->size(), 0u);
}

TEST_F(TransactionTest, InviteClientAcceptedPassesTwoXxRetransmissionsUntilTimerM) {
  const std::string req = our_request("INVITE", layer->new_branch());
  auto id = layer->send_request(req, udp);
  ASSERT_TRUE(id);
  run_until(ms(1000));
  const std::string ok = response_to(req, 200);
  receive(ok, udp);
  EXPECT_EQ(state(*id), TransactionState::kAccepted);
  run_until(ms(2000));
  receive(ok, udp);  // the peer did not get the TU's ACK yet
  EXPECT_EQ(tu.responses, (std::vector<std::pair<TransactionId, int>>{{*id, 200}, {*id, 200}}));
  EXPECT_EQ(tu.sent.size(), 2u);  // INVITE and one A: the ACK of a 2xx is the TU's
  run_until(ms(32999));
  EXPECT_EQ(state(*id), TransactionState::kAccepted);
  run_until(ms(33000));  // M = 64*T1
  EXPECT_EQ(state(*id), TransactionState::kTerminated);
  // Later 2xx still reach the TU, without a transaction.
  receive(ok, udp);
  EXPECT_EQ(tu.responses.back(), std::make_pair(kNoTransaction, 200));
  EXPECT_EQ(layer->stats().stray_2xx_to_tu, 1u);
}

// ---- non-INVITE client ------------------------------------------------------

TEST_F(TransactionTest, NonInviteClientTimerECappedAtT2ThenTimerF) {
  auto id = layer->send_request(our_request("OPTIONS", layer->new_branch()), udp);
  ASSERT_TRUE(id);
  EXPECT_EQ(state(*id), TransactionState::kTrying);
  run_until(ms(31999));
  EXPECT_EQ(tu.retransmission_times(),
            (std::vector<std::int64_t>{500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  EXPECT_TRUE(tu.timeouts.empty());
  run_until(ms(32000));
  EXPECT_EQ(tu.timeouts, std::vector<TransactionId>{*id});
  EXPECT_EQ(layer->size(), 0u);
}

TEST_F(TransactionTest, NonInviteClientProceedingRetransmitsAtT2AndTimerKAbsorbsFinals) {
  const std::string req = our_request("REGISTER", layer->new_branch());
  auto id = layer->send_request(req, udp);
  ASSERT_TRUE(id);
  run_until(ms(200));
  receive(response_to(req, 100), udp);
  EXPECT_EQ(state(*id), TransactionState::kProceeding);
  run_until(ms(10000));
  // E was armed for 0.5 s; from then on T2 flat.
  EXPECT_EQ(tu.retransmission_times(), (std::vector<std::int64_t>{500, 4500, 8500}));
  const std::string ok = response_to(req, 200);
  receive(ok, udp);
  EXPECT_EQ(state(*id), TransactionState::kCompleted);
  run_until(ms(12000));
  receive(ok, udp);  // absorbed
  EXPECT_EQ(tu.responses, (std::vector<std::pair<TransactionId, int>>{{*id, 100}, {*id, 200}}));
  run_until(ms(14999));
  EXPECT_EQ(state(*id), TransactionState::kCompleted);
  run_until(ms(15000));  // K = T4
  EXPECT_EQ(state(*id), TransactionState::kTerminated);
  EXPECT_EQ(tu.sent.size(), 4u);
  EXPECT_TRUE(tu.timeouts.empty());
}

TEST_F(TransactionTest, NonInviteClientOverReliableTransport) {
  const std::string req = our_request("OPTIONS", layer->new_branch());
  auto id = layer->send_request(req, tcp);
  ASSERT_TRUE(id);
  run_until(ms(10000));
  EXPECT_EQ(tu.sent.size(), 1u);
  receive(response_to(req, 200), tcp);
  EXPECT_EQ(state(*id), TransactionState::kTerminated);  // K = 0

  auto lost = layer->send_request(our_request("OPTIONS", layer->new_branch()), tcp);
  ASSERT_TRUE(lost);
  run_until(ms(10000 + 32000));  // F still bounds it
  EXPECT_EQ(tu.timeouts, std::vector<TransactionId>{*lost});
}

TEST_F(TransactionTest, ClientTransportErrorEndsTheTransaction) {
  tu.fail_sends = true;
  auto id = layer->send_request(our_request("INVITE", layer->new_branch()), udp);
  ASSERT_TRUE(id);
  EXPECT_EQ(tu.transport_errors, std::vector<TransactionId>{*id});
  EXPECT_EQ(tu.terminated, std::vector<TransactionId>{*id});
  EXPECT_EQ(layer->size(), 0u);
}

TEST_F(TransactionTest, LateTickKeepsTheRetransmissionSchedule) {
  auto id = layer->send_request(our_request("OPTIONS", layer->new_branch()), udp);
  ASSERT_TRUE(id);
  clock.set(ms(5000));
  layer->on_tick(clock.now());  // one tick, 5 s late: each E as at its own time
  EXPECT_EQ(tu.retransmission_times().size(), 3u);  // due at 0.5, 1.5 and 3.5 s
  EXPECT_EQ(layer->next_deadline(), ms(7500));
}

TEST_F(TransactionTest, ServerTransportErrorIsReported) {
  receive(peer_request("OPTIONS", "z9hG4bKopt"), udp);
  const TransactionId id = tu.requests.at(0).first;
  tu.fail_sends = true;
  EXPECT_EQ(layer->respond(id, 200, "OK", {.to_tag = "s1"}).code(), StatusCode::kIoError);
  EXPECT_EQ(tu.transport_errors, std::vector<TransactionId>{id});
  EXPECT_EQ(state(id), TransactionState::kTerminated);
  // A 2xx to INVITE that cannot be sent leaves the transaction Accepted, so
  // retransmitted INVITEs are still absorbed while the TU retries or hangs up.
  tu.fail_sends = false;
  receive(peer_request("INVITE", "z9hG4bKinv"), udp);
  const TransactionId invite = tu.requests.back().first;
  tu.fail_sends = true;
  EXPECT_FALSE(layer->respond(invite, 200, "OK", {.to_tag = "s2"}));
  EXPECT_EQ(state(invite), TransactionState::kAccepted);
}

TEST_F(TransactionTest, SendRequestRefusals) {
  EXPECT_EQ(layer->send_request(our_request("ACK", layer->new_branch()), udp).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(layer->send_request(our_request("INVITE", "1234"), udp).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(layer->send_request("garbage", udp).status().code(), StatusCode::kInvalidArgument);
  const std::string branch = layer->new_branch();
  ASSERT_TRUE(layer->send_request(our_request("INVITE", branch), udp));
  EXPECT_EQ(layer->send_request(our_request("INVITE", branch), udp).status().code(), StatusCode::kAlreadyExists);
  // The CANCEL of that INVITE shares its branch but is a transaction of its own.
  auto invite = parse(our_request("INVITE", branch));
  auto cancel = make_cancel(invite.message());
  ASSERT_TRUE(cancel) << cancel.status().message();
  auto cancel_id = layer->send_request(*cancel, udp);
  ASSERT_TRUE(cancel_id) << cancel_id.status().message();
  auto c = parse(*cancel);
  EXPECT_EQ(cseq(c.message())->method, "CANCEL");
  EXPECT_EQ(vias(c.message())->front().branch, branch);
  EXPECT_EQ(to(c.message())->tag, "");
}

// ---- INVITE server ----------------------------------------------------------

TEST_F(TransactionTest, InviteServerSends100TryingAfter200msAndResendsIt) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  ASSERT_EQ(tu.requests.size(), 1u);
  const TransactionId id = tu.requests[0].first;
  EXPECT_EQ(state(id), TransactionState::kProceeding);
  run_until(ms(199));
  EXPECT_TRUE(tu.sent.empty());
  run_until(ms(200));
  ASSERT_EQ(tu.sent.size(), 1u);
  EXPECT_EQ(parse(tu.sent[0].bytes)->status_code(), 100);
  // Retransmitted INVITE in Proceeding: the last provisional again.
  run_until(ms(500));
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  ASSERT_EQ(tu.sent.size(), 2u);
  EXPECT_TRUE(tu.sent[1].retransmission);
  EXPECT_EQ(tu.sent[1].bytes, tu.sent[0].bytes);
  EXPECT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(layer->stats().retransmissions_absorbed, 1u);
  // A 180 replaces it as the provisional to resend.
  ASSERT_TRUE(layer->respond(id, 180, "Ringing", {.to_tag = "s1"}));
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  EXPECT_EQ(parse(tu.sent.back().bytes)->status_code(), 180);
  EXPECT_TRUE(tu.sent.back().retransmission);
}

TEST_F(TransactionTest, InviteServerNo100WhenTheTuAnswersFirst) {
  tu.request_hook = [&](TransactionId id, const SipMessage&) {
    ASSERT_TRUE(layer->respond(id, 180, "Ringing", {.to_tag = "s1"}));
  };
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  run_until(ms(1000));
  ASSERT_EQ(tu.sent.size(), 1u);
  EXPECT_EQ(parse(tu.sent[0].bytes)->status_code(), 180);
}

TEST_F(TransactionTest, InviteServerTimerGCappedAtT2AndTimerHWithoutAck) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  const TransactionId id = tu.requests.at(0).first;
  ASSERT_TRUE(layer->respond(id, 486, "Busy Here", {.to_tag = "s1"}));
  EXPECT_EQ(state(id), TransactionState::kCompleted);
  run_until(ms(2000));
  // Retransmitted INVITE in Completed: the final again.
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  EXPECT_EQ(parse(tu.sent.back().bytes)->status_code(), 486);
  EXPECT_EQ(tu.requests.size(), 1u);
  run_until(ms(31999));
  EXPECT_EQ(tu.times([](const Sent& s) { return s.retransmission; }),
            (std::vector<std::int64_t>{500, 1500, 2000, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  EXPECT_TRUE(tu.timeouts.empty());
  run_until(ms(32000));  // H: the ACK was lost
  EXPECT_EQ(tu.timeouts, std::vector<TransactionId>{id});
  EXPECT_EQ(state(id), TransactionState::kTerminated);
}

TEST_F(TransactionTest, InviteServerAckOfNonTwoXxIsAbsorbedAndTimerIEndsConfirmed) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  const TransactionId id = tu.requests.at(0).first;
  ASSERT_TRUE(layer->respond(id, 486, "Busy Here", {.to_tag = "s1"}));
  run_until(ms(1000));
  receive(peer_request("ACK", "z9hG4bKpeer1", "ACK", "s1"), udp);
  EXPECT_EQ(state(id), TransactionState::kConfirmed);
  EXPECT_EQ(tu.requests.size(), 1u);  // the ACK is the transaction's
  EXPECT_EQ(layer->stats().acks_absorbed, 1u);
  const std::size_t sent = tu.sent.size();
  run_until(ms(3000));
  receive(peer_request("ACK", "z9hG4bKpeer1", "ACK", "s1"), udp);  // absorbed in Confirmed
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);             // so is a late INVITE
  EXPECT_EQ(tu.sent.size(), sent);  // no G after the ACK, nothing resent
  EXPECT_EQ(tu.requests.size(), 1u);
  run_until(ms(5999));
  EXPECT_EQ(state(id), TransactionState::kConfirmed);
  run_until(ms(6000));  // I = T4 after the ACK
  EXPECT_EQ(state(id), TransactionState::kTerminated);
  EXPECT_TRUE(tu.timeouts.empty());
}

TEST_F(TransactionTest, InviteServerOverReliableTransport) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), tcp);
  const TransactionId id = tu.requests.at(0).first;
  ASSERT_TRUE(layer->respond(id, 404, "Not Found", {.to_tag = "s1"}));
  run_until(ms(10000));
  EXPECT_EQ(tu.sent.size(), 1u);  // the 404 only: no G (and no 100, the TU answered at once)
  receive(peer_request("ACK", "z9hG4bKpeer1", "ACK", "s1"), tcp);
  EXPECT_EQ(state(id), TransactionState::kTerminated);  // I = 0

  receive(peer_request("INVITE", "z9hG4bKpeer2"), tcp);
  const TransactionId lost = tu.requests.at(1).first;
  ASSERT_TRUE(layer->respond(lost, 404, "Not Found", {.to_tag = "s2"}));
  run_until(ms(10000 + 32000));  // H still bounds the wait for the ACK
  EXPECT_EQ(tu.timeouts, std::vector<TransactionId>{lost});
}

TEST_F(TransactionTest, InviteServerAcceptedAbsorbsInvitesPassesAcksUntilTimerL) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  const TransactionId id = tu.requests.at(0).first;
  ASSERT_TRUE(layer->respond(id, 200, "OK", {.to_tag = "s1"}));
  EXPECT_EQ(state(id), TransactionState::kAccepted);
  const std::size_t sent = tu.sent.size();
  run_until(ms(1000));
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);  // absorbed: no resend, no new request
  EXPECT_EQ(tu.sent.size(), sent);
  EXPECT_EQ(tu.requests.size(), 1u);
  // The TU's own 2xx retransmission passes through.
  ASSERT_TRUE(layer->respond(id, 200, "OK", {.to_tag = "s1"}));
  EXPECT_TRUE(tu.sent.back().retransmission);
  EXPECT_EQ(layer->respond(id, 486, "Busy Here").code(), StatusCode::kFailedPrecondition);
  // The ACK of a 2xx has its own branch: to the TU, without a transaction.
  receive(peer_request("ACK", "z9hG4bKpeer1ack", "ACK", "s1"), udp);
  ASSERT_EQ(tu.requests.size(), 2u);
  EXPECT_EQ(tu.requests[1], std::make_pair(kNoTransaction, std::string("ACK")));
  // One reusing the INVITE's branch matches the Accepted transaction and
  // goes to the TU too (RFC 6026).
  receive(peer_request("ACK", "z9hG4bKpeer1", "ACK", "s1"), udp);
  EXPECT_EQ(tu.requests.back(), std::make_pair(id, std::string("ACK")));
  EXPECT_EQ(layer->stats().acks_to_tu, 2u);
  run_until(ms(31999));
  EXPECT_EQ(state(id), TransactionState::kAccepted);
  run_until(ms(32000));  // L = 64*T1
  EXPECT_EQ(state(id), TransactionState::kTerminated);
  EXPECT_TRUE(tu.timeouts.empty());
}

// ---- 2xx retransmission (the TU's helper) ------------------------------------

class SinkRecorder final : public MessageSink {
 public:
  explicit SinkRecorder(const Clock& c) : clock_(c) {}
  Status send(const OutboundMessage&) override {
    times.push_back(std::chrono::duration_cast<milliseconds>(clock_.now()).count());
    return Status::ok();
  }
  std::vector<std::int64_t> times;

 private:
  const Clock& clock_;
};

void drive(TwoXxRetransmitter& r, ManualClock& clock, SinkRecorder& sink, Nanos until) {
  while (auto d = r.next_deadline()) {
    if (*d > until) break;
    clock.set(*d);
    r.on_tick(clock.now(), sink);
  }
  clock.set(until);
}

TEST(TwoXxRetransmitter, ResendsUntilAck) {
  ManualClock clock;
  SinkRecorder sink(clock);
  TwoXxRetransmitter r(7, "SIP/2.0 200 OK\r\n\r\n", Peer{}, TimerConfig{}, Nanos{0});
  drive(r, clock, sink, ms(4000));
  EXPECT_EQ(sink.times, (std::vector<std::int64_t>{500, 1500, 3500}));
  r.on_ack();
  EXPECT_EQ(r.outcome(), TwoXxRetransmitter::Outcome::kAcknowledged);
  EXPECT_FALSE(r.next_deadline());
  drive(r, clock, sink, ms(60000));
  EXPECT_EQ(sink.times.size(), 3u);
}

TEST(TwoXxRetransmitter, GivesUpAt64T1) {
  ManualClock clock;
  SinkRecorder sink(clock);
  TwoXxRetransmitter r(7, "SIP/2.0 200 OK\r\n\r\n", Peer{}, TimerConfig{}, Nanos{0});
  drive(r, clock, sink, ms(31999));
  EXPECT_EQ(sink.times,
            (std::vector<std::int64_t>{500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  EXPECT_EQ(r.outcome(), TwoXxRetransmitter::Outcome::kWaiting);
  EXPECT_EQ(r.on_tick(ms(32000), sink), TwoXxRetransmitter::Outcome::kGaveUp);
  EXPECT_FALSE(r.next_deadline());
}

TEST_F(TransactionTest, LostTwoXxIsRetransmittedByTheTuUntilTheAckArrives) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  const TransactionId id = tu.requests.at(0).first;
  const std::string ok = response_to(peer_request("INVITE", "z9hG4bKpeer1"), 200, "s1");
  ASSERT_TRUE(layer->respond(id, ok));
  TwoXxRetransmitter r(id, ok, udp, TimerConfig{}, clock.now());
  // The TU's event loop runs both the layer and its retransmitter.
  auto step_until = [&](Nanos t) {
    for (;;) {
      auto d = layer->next_deadline();
      auto e = r.next_deadline();
      if (!d || (e && *e < *d)) d = e;
      if (!d || *d > t) break;
      clock.set(*d);
      layer->on_tick(clock.now());
      r.on_tick(clock.now(), tu);
    }
    clock.set(t);
  };
  step_until(ms(2000));
  EXPECT_EQ(tu.times([](const Sent& s) { return s.retransmission; }), (std::vector<std::int64_t>{500, 1500}));
  tu.request_hook = [&](TransactionId, const SipMessage& m) {
    if (m.method() == "ACK") r.on_ack();
  };
  receive(peer_request("ACK", "z9hG4bKpeer1ack", "ACK", "s1"), udp);
  EXPECT_EQ(r.outcome(), TwoXxRetransmitter::Outcome::kAcknowledged);
  step_until(ms(40000));
  EXPECT_EQ(tu.times([](const Sent& s) { return s.retransmission; }).size(), 2u);
  EXPECT_EQ(state(id), TransactionState::kTerminated);
}

// ---- non-INVITE server --------------------------------------------------------

TEST_F(TransactionTest, NonInviteServerResendsLastResponseAndTimerJ) {
  receive(peer_request("OPTIONS", "z9hG4bKopt"), udp);
  const TransactionId id = tu.requests.at(0).first;
  EXPECT_EQ(state(id), TransactionState::kTrying);
  receive(peer_request("OPTIONS", "z9hG4bKopt"), udp);  // Trying: nothing to resend
  EXPECT_TRUE(tu.sent.empty());
  ASSERT_TRUE(layer->respond(id, 100, "Trying"));
  EXPECT_EQ(state(id), TransactionState::kProceeding);
  receive(peer_request("OPTIONS", "z9hG4bKopt"), udp);
  EXPECT_EQ(parse(tu.sent.back().bytes)->status_code(), 100);
  EXPECT_TRUE(tu.sent.back().retransmission);
  run_until(ms(1000));
  ASSERT_TRUE(layer->respond(id, 200, "OK", {.to_tag = "s1"}));
  EXPECT_EQ(state(id), TransactionState::kCompleted);
  receive(peer_request("OPTIONS", "z9hG4bKopt"), udp);
  EXPECT_EQ(parse(tu.sent.back().bytes)->status_code(), 200);
  EXPECT_TRUE(tu.sent.back().retransmission);
  EXPECT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(layer->stats().retransmissions_absorbed, 3u);
  EXPECT_EQ(layer->respond(id, 500, "Oops").code(), StatusCode::kFailedPrecondition);
  run_until(ms(32999));
  EXPECT_EQ(state(id), TransactionState::kCompleted);
  run_until(ms(33000));  // J = 64*T1
  EXPECT_EQ(state(id), TransactionState::kTerminated);
}

TEST_F(TransactionTest, NonInviteServerOverReliableTransportEndsWithTheFinal) {
  receive(peer_request("OPTIONS", "z9hG4bKopt"), tcp);
  const TransactionId id = tu.requests.at(0).first;
  ASSERT_TRUE(layer->respond(id, 200, "OK", {.to_tag = "s1"}));
  EXPECT_EQ(state(id), TransactionState::kTerminated);  // J = 0
  EXPECT_EQ(layer->size(), 0u);
}

// ---- CANCEL -----------------------------------------------------------------

TEST_F(TransactionTest, CancelBeforeTheAnswerGets200AndTheTuAnswers487) {
  tu.cancel_hook = [&](TransactionId invite) {
    const Transaction* t = layer->find(invite);
    ASSERT_NE(t, nullptr);
    if (t->state() == TransactionState::kProceeding) {
      ASSERT_TRUE(layer->respond(invite, 487, "Request Terminated", {.to_tag = "s1"}));
    }
  };
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  const TransactionId invite = tu.requests.at(0).first;
  run_until(ms(300));  // 100 Trying out
  receive(peer_request("CANCEL", "z9hG4bKpeer1"), udp);
  EXPECT_EQ(tu.cancels, std::vector<TransactionId>{invite});
  EXPECT_EQ(tu.requests.size(), 1u);  // the CANCEL is not a new request for the TU
  // 200 to the CANCEL, then 487 to the INVITE.
  ASSERT_GE(tu.sent.size(), 3u);
  auto cancel_ok = parse(tu.sent[tu.sent.size() - 2].bytes);
  EXPECT_EQ(cancel_ok->status_code(), 200);
  EXPECT_EQ(cseq(cancel_ok.message())->method, "CANCEL");
  auto terminated = parse(tu.sent.back().bytes);
  EXPECT_EQ(terminated->status_code(), 487);
  EXPECT_EQ(cseq(terminated.message())->method, "INVITE");
  EXPECT_EQ(state(invite), TransactionState::kCompleted);
  receive(peer_request("ACK", "z9hG4bKpeer1", "ACK", "s1"), udp);
  EXPECT_EQ(state(invite), TransactionState::kConfirmed);
}

TEST_F(TransactionTest, CancelAfterTheTwoXxGets200AndLeavesTheCallAnswered) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  const TransactionId invite = tu.requests.at(0).first;
  ASSERT_TRUE(layer->respond(invite, 200, "OK", {.to_tag = "s1"}));
  receive(peer_request("CANCEL", "z9hG4bKpeer1"), udp);
  EXPECT_EQ(tu.cancels, std::vector<TransactionId>{invite});
  auto cancel_ok = parse(tu.sent.back().bytes);
  EXPECT_EQ(cancel_ok->status_code(), 200);
  EXPECT_EQ(cseq(cancel_ok.message())->method, "CANCEL");
  EXPECT_EQ(to(cancel_ok.message())->tag, "s1");  // the tag of the INVITE's response
  EXPECT_EQ(state(invite), TransactionState::kAccepted);
  EXPECT_EQ(layer->respond(invite, 487, "Request Terminated").code(), StatusCode::kFailedPrecondition);
}

TEST_F(TransactionTest, RetransmittedCancelGetsThe200AgainAndIsNotReportedTwice) {
  receive(peer_request("INVITE", "z9hG4bKpeer1"), udp);
  receive(peer_request("CANCEL", "z9hG4bKpeer1"), udp);
  const std::string first = tu.sent.back().bytes;
  receive(peer_request("CANCEL", "z9hG4bKpeer1"), udp);
  EXPECT_EQ(tu.sent.back().bytes, first);
  EXPECT_TRUE(tu.sent.back().retransmission);
  EXPECT_EQ(tu.cancels.size(), 1u);
}

TEST_F(TransactionTest, CancelMatchingNothingGets481) {
  receive(peer_request("CANCEL", "z9hG4bKnothing"), udp);
  ASSERT_EQ(tu.sent.size(), 1u);
  EXPECT_EQ(parse(tu.sent[0].bytes)->status_code(), 481);
  EXPECT_TRUE(tu.cancels.empty());
  EXPECT_EQ(layer->stats().cancels_unmatched, 1u);
}

// ---- matching, strays, limits -----------------------------------------------------

TEST_F(TransactionTest, StrayResponsesAreCountedAndDropped) {
  receive(response_to(our_request("INVITE", "z9hG4bKnotours"), 180), udp);
  receive(response_to(our_request("OPTIONS", "z9hG4bKnotours"), 200), udp);
  EXPECT_TRUE(tu.responses.empty());
  EXPECT_EQ(layer->stats().stray_responses, 2u);
  receive(response_to(our_request("INVITE", "z9hG4bKnotours"), 200), udp);
  EXPECT_EQ(tu.responses, (std::vector<std::pair<TransactionId, int>>{{kNoTransaction, 200}}));
}

TEST_F(TransactionTest, TransactionLimitAnswers503WithRetryAfter) {
  TransactionLayerConfig cfg;
  cfg.max_transactions = 2;
  cfg.retry_after_seconds = 7;
  make_layer(cfg);
  receive(peer_request("INVITE", "z9hG4bKa"), udp);
  receive(peer_request("OPTIONS", "z9hG4bKb"), udp);
  receive(peer_request("INVITE", "z9hG4bKc"), udp);
  EXPECT_EQ(tu.requests.size(), 2u);
  ASSERT_EQ(tu.sent.size(), 1u);
  auto busy = parse(tu.sent[0].bytes);
  EXPECT_EQ(busy->status_code(), 503);
  ASSERT_NE(busy->find("Retry-After"), nullptr);
  EXPECT_EQ(busy->find("Retry-After")->value, "7");
  EXPECT_EQ(layer->stats().rejected_overload, 1u);
  // A retransmission of an admitted request is still matched, not refused.
  receive(peer_request("OPTIONS", "z9hG4bKb"), udp);
  EXPECT_EQ(layer->stats().rejected_overload, 1u);
  EXPECT_EQ(layer->send_request(our_request("OPTIONS", layer->new_branch()), udp).status().code(),
            StatusCode::kResourceExhausted);
  // Room again once one ends.
  ASSERT_TRUE(layer->respond(tu.requests[1].first, 200, "OK", {.to_tag = "x"}));
  run_until(ms(40000));
  receive(peer_request("INVITE", "z9hG4bKc"), udp);
  EXPECT_EQ(tu.requests.size(), 3u);
}

TEST_F(TransactionTest, Rfc2543RequestsMatchOnTheirFields) {
  receive(peer_request("INVITE", ""), udp);  // no branch
  const TransactionId id = tu.requests.at(0).first;
  receive(peer_request("INVITE", ""), udp);
  EXPECT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(layer->stats().retransmissions_absorbed, 1u);
  ASSERT_TRUE(layer->respond(id, 486, "Busy Here", {.to_tag = "s1"}));
  // An ACK whose To tag is another one is not this transaction's.
  receive(peer_request("ACK", "", "ACK", "other"), udp);
  EXPECT_EQ(state(id), TransactionState::kCompleted);
  EXPECT_EQ(tu.requests.back(), std::make_pair(kNoTransaction, std::string("ACK")));
  receive(peer_request("ACK", "", "ACK", "s1"), udp);
  EXPECT_EQ(state(id), TransactionState::kConfirmed);
  // A different request (another Request-URI... here another method) is new.
  receive(peer_request("OPTIONS", ""), udp);
  EXPECT_EQ(tu.requests.back().second, "OPTIONS");
  EXPECT_NE(tu.requests.back().first, id);
}

TEST_F(TransactionTest, SameBranchFromAnotherSentByIsAnotherTransaction) {
  receive(peer_request("OPTIONS", "z9hG4bKsame"), udp);
  std::string other = peer_request("OPTIONS", "z9hG4bKsame");
  other.replace(other.find("198.51.100.7:5060"), 17, "203.0.113.9:5060");
  receive(other, udp);
  EXPECT_EQ(tu.requests.size(), 2u);
  EXPECT_NE(tu.requests[0].first, tu.requests[1].first);
}

TEST_F(TransactionTest, InvalidRequestsGet400AndInvalidAcksAreDropped) {
  std::string bad = peer_request("OPTIONS", "z9hG4bKbad");
  bad.replace(bad.find("CSeq: 7 OPTIONS"), 15, "CSeq: 7 INVITE!");
  receive(bad, udp);
  ASSERT_EQ(tu.sent.size(), 1u);
  EXPECT_EQ(parse(tu.sent[0].bytes)->status_code(), 400);
  std::string bad_ack = peer_request("ACK", "z9hG4bKbad", "INVITE");
  receive(bad_ack, udp);
  EXPECT_EQ(tu.sent.size(), 1u);
  EXPECT_EQ(layer->stats().bad_requests, 2u);
  EXPECT_TRUE(tu.requests.empty());
  EXPECT_FALSE(layer->on_bytes("not sip", udp));
  EXPECT_EQ(layer->stats().unparsable, 1u);
}

TEST_F(TransactionTest, BranchesAndTagsAreFreshAndMarked) {
  const std::string a = layer->new_branch();
  const std::string b = layer->new_branch();
  EXPECT_EQ(a.substr(0, 7), "z9hG4bK");
  EXPECT_NE(a, b);
  EXPECT_NE(layer->new_tag(), layer->new_tag());
}

// ---- 491 glare ------------------------------------------------------------------

TEST(GlareRetry, OwnerWaits2100To4000msOthers0To2000ms) {
  EXPECT_EQ(glare_retry_delay(true, 0), ms(2100));
  EXPECT_EQ(glare_retry_delay(true, 190), ms(4000));
  EXPECT_EQ(glare_retry_delay(true, 191), ms(2100));
  EXPECT_EQ(glare_retry_delay(false, 0), ms(0));
  EXPECT_EQ(glare_retry_delay(false, 200), ms(2000));
  for (std::uint64_t r = 0; r < 5000; r += 7) {
    const Nanos owner = glare_retry_delay(true, r * 2654435761u);
    EXPECT_GE(owner, ms(2100));
    EXPECT_LE(owner, ms(4000));
    const Nanos other = glare_retry_delay(false, r * 2654435761u);
    EXPECT_GE(other, ms(0));
    EXPECT_LE(other, ms(2000));
    EXPECT_EQ(other.count() % ms(10).count(), 0);
  }
}

}  // namespace
}  // namespace sb::sip
