// Mix rooms on a worker driven in virtual time: talkers whose RTP (a tone,
// coded in their codec, 20 ms packets with RTP timing) is handed to
// process_burst(), the worker polled every 20 ms of the manual clock, and
// what it sends each far end read from a real UDP socket and decoded.
#pragma once

#include "dataplane/messages.hpp"
#include "tests/unit/dataplane/talker.hpp"
#include "tests/unit/dataplane/worker_fixture.hpp"

namespace sb::dataplane::test {

class MixingTest : public WorkerTest {
 protected:
  static constexpr std::uint64_t kRoom = (std::uint64_t{1} << 32) | kRoomIdFlag | 3;
  static PartyId party_id(std::uint32_t slot) { return (std::uint64_t{1} << 32) | kPartyIdFlag | slot; }
  static MixCodec mix_codec(const Talker& t) { return {t.pt, t.codec, 0}; }

  void command(const Command& c) {
    ASSERT_TRUE(commands_.try_push(c));
    worker_->poll_once();
  }
  void create_room(int rate) {
    Command c;
    c.kind = Command::kCreateRoom;
    c.session = kRoom;
    c.mix.room = kRoom;
    c.mix.sample_rate = rate;
    command(c);
  }
  // The command adding `t` as the party in `slot` (tests add to its leg).
  Command party_command(std::uint32_t slot, const Talker& t) {
    Command c;
    c.kind = Command::kAddParty;
    c.session = c.party = party_id(slot);
    c.mix.room = kRoom;
    c.mix.party = mix_codec(t);
    c.legs[0] = leg(t.port, t.far_end(), 0x7700 + slot);
    return c;
  }
  void add_party(std::uint32_t slot, const Talker& t) { command(party_command(slot, t)); }
  // `sup` joins relayed `call` (caller on leg 0, agent on leg 1) as the
  // supervisor party in slot 5 of an 8 kHz room, listening.
  void add_supervisor(SessionId call, const Talker& caller, const Talker& agent, const Talker& sup) {
    Command c;
    c.kind = Command::kAddSupervisor;
    c.session = call;
    c.party = party_id(5);
    c.mix.room = kRoom;
    c.mix.sample_rate = 8000;
    c.mix.party = mix_codec(sup);
    c.mix.call[0] = mix_codec(caller);
    c.mix.call[1] = mix_codec(agent);
    c.mix.mode = media::SupervisorMode::kListen;
    c.legs[0] = leg(sup.port, sup.far_end(), 0x5E);
    command(c);
  }
  // One 20 ms step: every talker's packet into the worker, the clock on,
  // a poll (the rooms tick), and what arrived at the far ends collected.
  void step(std::vector<Talker*> talkers) {
    for (Talker* t : talkers) {
      relay(packet(t->port, t->far_end(), t->next_packet()));
    }
    clock_.advance(std::chrono::milliseconds(20));
    worker_->poll_once();
    for (Talker* t : talkers) t->collect();
  }
  std::vector<Event> events_of(Event::Kind kind) {
    std::vector<Event> out;
    for (const Event& e : events())
      if (e.kind == kind) out.push_back(e);
    return out;
  }
};

}  // namespace sb::dataplane::test
