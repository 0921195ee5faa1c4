// A worker over real socket-backend buffers and a manual clock, with
// helpers to create sessions and hand crafted packets to process_burst().
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "dataplane/io/socket_io.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "dataplane/worker.hpp"

namespace sb::dataplane::test {

constexpr std::int64_t kMs = 1'000'000;
const Endpoint kA{0x7f000001, 40000};
const Endpoint kB{0x7f000001, 40010};

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto io = SocketIo::create({});
    ASSERT_TRUE(io);
    io_ = std::move(*io);
    worker_ = std::make_unique<Worker>(WorkerConfig{.index = 0, .max_sessions = 8}, *io_, commands_, events_, counters_, clock_);
  }

  SessionId create(const LegSetup& a, const LegSetup& b, std::uint32_t slot = 0) {
    Command c;
    c.kind = Command::kCreateSession;
    c.session = (std::uint64_t{1} << 32) | slot;
    c.legs[0] = a;
    c.legs[1] = b;
    EXPECT_TRUE(commands_.try_push(c));
    worker_->poll_once();
    return c.session;
  }

  static LegSetup leg(std::uint16_t port, Endpoint remote, std::uint32_t ssrc) {
    LegSetup s;
    s.local_port = port;
    s.remote = remote;
    s.output_ssrc = ssrc;
    return s;
  }

  Packet packet(std::uint16_t local_port, Endpoint src, const std::vector<std::uint8_t>& bytes) {
    Packet p;
    EXPECT_TRUE(io_->alloc(p));
    std::memcpy(p.data, bytes.data(), bytes.size());
    p.len = static_cast<std::uint16_t>(bytes.size());
    p.src = src;
    p.local_port = local_port;
    return p;
  }

  static std::vector<std::uint8_t> rtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                                       std::size_t payload = 160) {
    std::vector<std::uint8_t> b(12 + payload, 0x33);
    rtp::write_rtp_header(b.data(), false, pt, seq, ts, ssrc);
    return b;
  }

  // Runs one packet through; returns the transmitted packet if forwarded.
  std::optional<Packet> relay(Packet p) {
    Packet tx[1];
    const std::size_t m = worker_->process_burst(&p, 1, tx, clock_.now().count());
    if (m == 0) return std::nullopt;
    forwarded_.push_back(tx[0]);
    return tx[0];
  }

  std::vector<Event> events() {
    std::vector<Event> v;
    Event e;
    while (events_.try_pop(e)) v.push_back(e);
    return v;
  }

  std::uint64_t drops(DropReason r) const { return counters_.sum(drop_index(r)); }

  void TearDown() override {
    if (!forwarded_.empty()) io_->release(forwarded_.data(), forwarded_.size());
  }

  ManualClock clock_{Nanos{1'000 * kMs}};
  SpscRing<Command> commands_{64};
  SpscRing<Event> events_{1024};
  DataplaneCounters counters_{1};
  std::unique_ptr<SocketIo> io_;
  std::unique_ptr<Worker> worker_;
  std::vector<Packet> forwarded_;
};

}  // namespace sb::dataplane::test
