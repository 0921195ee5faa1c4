// Mix rooms inside the worker, in virtual time: a conference's mix-minus
// measured by tone frequencies, transcoding between parties' codecs, the
// jitter buffer and PLC under reordering and loss, supervisor modes on a
// relayed call and its return to relay, and the commands' failures.
//
// Tones: 400, 700 and 1300 Hz, chosen so that no second- or third-order
// product of two of them (f1 ± f2, 2f1 ± f2) falls on the third: G.711's
// companding of a two-tone mix makes such products at about -60 dBFS
// (with 400/700/1100 Hz, 1100 - 700 = 400 lands on the listener's own
// tone), and a test of "never hears itself" must measure the mix, not the
// codec's distortion.
//
// Bounds: talkers send sines at -16 dBFS. A tone a party should hear
// arrives at about that level (G.711/G.722 keep a sine's level within a
// dB; the first 200 ms, jitter-buffer start-up, are skipped), so "heard" is
// > -20 dBFS. A tone it must not hear is absent from the mix itself; what
// remains at its frequency is codec quantisation noise spread over the
// spectrum, which a 1 s Goertzel bin measures near -90 dBFS, so "absent" is
// < -60 dBFS: 44 dB below the heard tones, far above that noise.
#include <gtest/gtest.h>

#include "tests/unit/dataplane/mixing_fixture.hpp"

namespace sb::dataplane {
namespace {

using codecs::CodecId;
using test::MixingTest;
using test::Talker;

constexpr double kHeard = -20.0;
constexpr double kAbsent = -60.0;

TEST_F(MixingTest, ConferenceEachPartyHearsTheOthersAndNeverItself) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcmu, 0, 700), c(30104, CodecId::kPcmu, 0, 1300);
  add_party(0, a);
  add_party(1, b);
  add_party(2, c);
  auto created = events_of(Event::kSessionCreated);
  ASSERT_EQ(created.size(), 4u);  // the room, then each party (owner: the room)
  EXPECT_EQ(created[0].session, kRoom);
  EXPECT_EQ(created[1].session, party_id(0));
  EXPECT_EQ(created[1].owner, kRoom);
  for (int i = 0; i < 60; ++i) step({&a, &b, &c});
  for (Talker* t : {&a, &b, &c}) ASSERT_GT(t->heard.size(), 8000u * 9 / 10) << "party on " << t->port;
  test::expect_each_hears_the_other_two(a, b, c, kHeard, kAbsent, 200);
  // Each party gets one stream: its leg's SSRC, sequence numbers in steps of one.
  for (Talker* t : {&a, &b, &c}) {
    for (std::size_t i = 1; i < t->headers.size(); ++i) {
      EXPECT_EQ(t->headers[i].ssrc, t->headers[0].ssrc);
      EXPECT_EQ(static_cast<std::uint16_t>(t->headers[i].sequence - t->headers[i - 1].sequence), 1);
      EXPECT_EQ(t->headers[i].timestamp - t->headers[i - 1].timestamp, 160u);
    }
  }
  EXPECT_EQ(counters_.sum(kMixedIn), 180u);
  EXPECT_GE(counters_.sum(kMixTicks), 60u);
}

TEST_F(MixingTest, MixedCodecsInOneRoomAreTranscoded) {
  create_room(16000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kG722, 9, 700), c(30104, CodecId::kPcma, 8, 1300);
  add_party(0, a);
  add_party(1, b);
  add_party(2, c);
  for (int i = 0; i < 60; ++i) step({&a, &b, &c});
  test::expect_each_hears_the_other_two(a, b, c, kHeard, kAbsent, 200);
  // G.722 keeps its 8 kHz RTP clock: 160 units per 20 ms.
  ASSERT_GT(b.headers.size(), 2u);
  EXPECT_EQ(b.headers[2].timestamp - b.headers[1].timestamp, 160u);
  EXPECT_EQ(b.headers[1].payload_type, 9);
}

TEST_F(MixingTest, ReorderedAndLostPacketsStillGiveContinuousAudio) {
  create_room(8000);
  Talker speaker(30100, CodecId::kPcmu, 0, 400), listener(30102, CodecId::kPcmu, 0, 0);
  add_party(0, speaker);
  add_party(1, listener);
  // 100 packets: pairs swapped (each second packet 20 ms late), every
  // tenth lost, and one sent twice.
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 100; ++i) packets.push_back(speaker.next_packet());
  std::vector<int> order;
  for (int i = 0; i < 100; i += 2) {
    order.push_back(i + 1);
    order.push_back(i);
  }
  int lost = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const int i = order[k];
    if (i % 10 == 5) {
      ++lost;
    } else {
      relay(packet(speaker.port, speaker.far_end(), packets[static_cast<std::size_t>(i)]));
      if (i == 40) relay(packet(speaker.port, speaker.far_end(), packets[40]));
    }
    relay(packet(listener.port, listener.far_end(), listener.next_packet()));
    clock_.advance(std::chrono::milliseconds(20));
    worker_->poll_once();
    listener.collect();
  }
  // Refused: the duplicate, and packet 0, which came after packet 1 had
  // started the playout (its time was before the start). Every other late
  // packet found its slot: the buffer's delay grew at the first reordering.
  EXPECT_EQ(drops(DropReason::kJitterBuffer), 2u);
  EXPECT_GE(counters_.sum(kMixConcealed), static_cast<std::uint64_t>(lost));
  // Continuous: from the first audible frame to the end of the talk, every
  // 20 ms frame carries the tone (PLC fills the losses) and no step between
  // samples is larger than a -16 dBFS 400 Hz sine's largest (about 1600)
  // with room for concealment's fades (a click would be a jump to silence
  // and back, several thousand).
  const auto& x = listener.heard;
  std::size_t first = 0;
  while (first < x.size() && std::abs(x[first]) < 500) ++first;
  ASSERT_LT(first, 1600u) << "the tone started late";
  const std::size_t end = first + 90 * 160;
  ASSERT_GE(x.size(), end);
  for (std::size_t f = first + 160; f + 160 <= end; f += 160)
    EXPECT_GT(codecs::rms_dbfs(std::span(x).subspan(f, 160)), -26.0) << "a gap at sample " << f;
  EXPECT_LT(codecs::max_step(x, first + 160, end), 3000);
  EXPECT_GT(codecs::tone_level_dbfs(std::span(x).subspan(first, end - first), 400, 8000), kHeard);
}

// A clean link: packets every 20 ms, arriving at any phase of the room's
// tick, PCMU and Opus. Nothing is concealed from the first packet on, nor
// when the stream ends (the ticks after the last packet are the silence
// after it, not losses); one packet lost is one frame concealed.
TEST_F(MixingTest, ACleanSteadyStreamConcealsNothingAndALossConcealsOneFrame) {
  std::uint64_t expected = 0;
  for (const int lose : {-1, 40}) {
    for (const int phase_ms : {0, 1, 7, 13, 19}) {
      for (const CodecId codec : {CodecId::kPcmu, CodecId::kOpus}) {
        SCOPED_TRACE(::testing::Message() << "phase " << phase_ms << " ms, codec " << static_cast<int>(codec)
                                          << ", lost packet " << lose);
        create_room(8000);
        Talker speaker(30100, codec, codec == CodecId::kOpus ? 111 : 0, 400), listener(30102, CodecId::kPcmu, 0, 0);
        add_party(0, speaker);
        add_party(1, listener);
        clock_.advance(std::chrono::milliseconds(phase_ms));
        worker_->poll_once();
        for (int i = 0; i < 100; ++i) {
          const auto bytes = speaker.next_packet();
          if (i != lose) relay(packet(speaker.port, speaker.far_end(), bytes));
          clock_.advance(std::chrono::milliseconds(20));
          worker_->poll_once();
        }
        for (int i = 0; i < 50; ++i) {  // a second of ticks after the stream ended
          clock_.advance(std::chrono::milliseconds(20));
          worker_->poll_once();
        }
        listener.collect();
        if (lose >= 0) ++expected;
        EXPECT_EQ(counters_.sum(kMixConcealed), expected);
        EXPECT_GT(listener.level(400), kHeard);
        expected = counters_.sum(kMixConcealed);
        Command end;
        end.kind = Command::kDeleteRoom;
        end.session = end.mix.room = kRoom;
        command(end);
        (void)events();
      }
    }
  }
}

// The stats pass samples party legs too: their jitter and MOS land in the
// worker's histograms with the relayed legs'.
TEST_F(MixingTest, TheStatsPassSamplesPartyLegs) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcmu, 0, 700);
  add_party(0, a);
  add_party(1, b);
  for (int i = 0; i < 50; ++i) step({&a, &b});
  EXPECT_EQ(counters_.sum(kJitterCount), 0u);  // the first pass ran before any packet
  clock_.advance(std::chrono::seconds(10));
  for (int i = 0; i < 3; ++i) worker_->poll_once();  // 8 session + 256 party slots: two slices
  EXPECT_EQ(counters_.sum(kJitterCount), 2u);
  EXPECT_EQ(counters_.sum(kMosCount), 2u);
  EXPECT_EQ(counters_.sum(kRtpExpected), 100u);
  EXPECT_EQ(counters_.sum(kRtpLost), 0u);
}

TEST_F(MixingTest, SupervisorListenWhisperBargeThenTheCallRelaysAgain) {
  Talker caller(30000, CodecId::kPcmu, 0, 400), agent(30010, CodecId::kPcmu, 0, 700),
      sup(30100, CodecId::kPcmu, 0, 1300);
  const SessionId call = create(leg(30000, caller.far_end(), 0xCA), leg(30010, agent.far_end(), 0xA6));
  // Relayed first: a caller packet reaches the agent.
  relay(packet(caller.port, caller.far_end(), caller.next_packet()));
  events();

  add_supervisor(call, caller, agent, sup);
  auto created = events_of(Event::kSessionCreated);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].session, party_id(5));
  EXPECT_EQ(created[0].owner, call);

  auto run = [&](media::SupervisorMode mode) {
    Command m;
    m.kind = Command::kSetSupervisorMode;
    m.session = call;
    m.mix.mode = mode;
    command(m);
    for (Talker* t : {&caller, &agent, &sup}) {
      t->heard.clear();
      t->headers.clear();
    }
    for (int i = 0; i < 50; ++i) step({&caller, &agent, &sup});
  };
  run(media::SupervisorMode::kListen);
  EXPECT_GT(sup.level(400), kHeard);
  EXPECT_GT(sup.level(700), kHeard);
  EXPECT_GT(caller.level(700), kHeard);
  EXPECT_GT(agent.level(400), kHeard);
  EXPECT_LT(caller.level(1300), kAbsent);
  EXPECT_LT(agent.level(1300), kAbsent);

  run(media::SupervisorMode::kWhisper);
  EXPECT_GT(agent.level(1300), kHeard);
  EXPECT_GT(agent.level(400), kHeard);
  EXPECT_LT(caller.level(1300), kAbsent);
  EXPECT_GT(caller.level(700), kHeard);

  run(media::SupervisorMode::kBarge);
  EXPECT_GT(caller.level(1300), kHeard);
  EXPECT_GT(agent.level(1300), kHeard);
  EXPECT_GT(sup.level(400), kHeard);
  EXPECT_GT(sup.level(700), kHeard);
  EXPECT_LT(sup.level(1300), kAbsent);

  // The supervisor leaves: the call relays again, the agent's stream
  // continuing from the mix's last sequence number.
  ASSERT_FALSE(agent.headers.empty());
  const auto last = agent.headers.back();
  Command r;
  r.kind = Command::kRemoveSupervisor;
  r.session = call;
  command(r);
  auto deleted = events_of(Event::kSessionDeleted);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].session, party_id(5));
  clock_.advance(std::chrono::milliseconds(20));
  auto out = relay(packet(caller.port, caller.far_end(), caller.next_packet()));
  ASSERT_TRUE(out);
  rtp::RtpHeader h;
  ASSERT_EQ(rtp::parse_rtp(out->data, out->len, h), rtp::RtpError::kNone);
  EXPECT_EQ(h.ssrc, last.ssrc);
  EXPECT_EQ(h.sequence, static_cast<std::uint16_t>(last.sequence + 1));
  EXPECT_GE(h.timestamp - last.timestamp, 160u);
  EXPECT_LT(h.timestamp - last.timestamp, 8000u);
}

TEST_F(MixingTest, TelephoneEventsOnAMixedLegAreReportedNotMixed) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 0), b(30102, CodecId::kPcmu, 0, 0);
  Command c;
  c.kind = Command::kAddParty;
  c.session = c.party = party_id(0);
  c.mix.room = kRoom;
  c.mix.party = mix_codec(a);
  c.legs[0] = leg(a.port, a.far_end(), 1);
  c.legs[0].telephone_event_pt = 101;
  command(c);
  add_party(1, b);
  events();
  for (int i = 0; i < 4; ++i) {
    std::vector<std::uint8_t> p(16);
    rtp::write_rtp_header(p.data(), i == 0, 101, static_cast<std::uint16_t>(10 + i), 8000, 0xD7);
    ivr::TelephoneEvent ev{.event = 5, .end = i >= 1, .volume = 10, .duration = static_cast<std::uint16_t>(800 + 160 * i)};
    ivr::build_telephone_event(ev, std::span(p).subspan(12));
    EXPECT_FALSE(relay(packet(a.port, a.far_end(), p)));
  }
  auto digits = events_of(Event::kDtmf);
  ASSERT_EQ(digits.size(), 1u);
  EXPECT_EQ(digits[0].digit, '5');
  EXPECT_EQ(digits[0].session, party_id(0));
  EXPECT_EQ(digits[0].owner, kRoom);
  EXPECT_EQ(counters_.sum(kMixedIn), 0u);
  EXPECT_EQ(drops(DropReason::kUnexpectedPayload), 0u);
  // A payload type it never negotiated is dropped and counted.
  EXPECT_FALSE(relay(packet(a.port, a.far_end(), rtp(18, 1, 1, 0xD7))));
  EXPECT_EQ(drops(DropReason::kUnexpectedPayload), 1u);
}

TEST_F(MixingTest, BadCommandsFailWithAPreciseErrorAndChangeNothing) {
  Talker a(30100, CodecId::kPcmu, 0, 0);
  auto expect_failure = [&](const char* error) {
    auto f = events_of(Event::kCommandFailed);
    ASSERT_EQ(f.size(), 1u) << error;
    EXPECT_STREQ(f[0].error, error);
  };
  add_party(0, a);  // no room yet
  expect_failure("no such room");
  Command bad;
  bad.kind = Command::kCreateRoom;
  bad.session = bad.mix.room = kRoom;
  bad.mix.sample_rate = 44100;
  command(bad);
  expect_failure("a room runs at 8000 or 16000 Hz");
  create_room(8000);
  events();
  create_room(8000);
  expect_failure("room slot in use");
  add_party(0, a);
  events();
  Talker again(30102, CodecId::kPcmu, 0, 0);
  add_party(0, again);
  expect_failure("party slot in use");
  Talker same_port(30100, CodecId::kPcmu, 0, 0);
  add_party(1, same_port);
  expect_failure("local port missing or in use");
  Command r;
  r.kind = Command::kRemoveSupervisor;
  r.session = (std::uint64_t{1} << 32) | 0;
  command(r);
  expect_failure("no supervised call with that id");

  // Deleting the room ends its party: its port is free again.
  Command d;
  d.kind = Command::kDeleteRoom;
  d.session = d.mix.room = kRoom;
  command(d);
  auto deleted = events_of(Event::kSessionDeleted);
  ASSERT_EQ(deleted.size(), 2u);
  EXPECT_EQ(deleted[0].session, party_id(0));
  EXPECT_EQ(deleted[1].session, kRoom);
  EXPECT_EQ(counters_.sum(kActiveLegs), 0u);
  create_room(8000);
  add_party(0, same_port);
  EXPECT_TRUE(events_of(Event::kCommandFailed).empty());
}

}  // namespace
}  // namespace sb::dataplane
