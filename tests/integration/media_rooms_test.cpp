// Conference rooms through the media API on a running daemon, with real RTP
// over loopback: three parties talking 400, 700 and 1300 Hz each hear the
// other two and not themselves (bounds in mix_test_support.hpp), in one
// codec and across PCMU, G.722 and PCMA in a 16 kHz room; a party that
// leaves is heard no more and hears nothing; deleting the room ends it.
// Also the refusals (422 naming the field, 404), the media.room.* events,
// the mix counters on /metrics, and [dataplane]
// max_rooms_per_worker holding (one room per worker here). A transcoded
// call (PCMU caller, Opus agent) recorded through the API: the caller on
// the left, the agent on the right, listed and downloaded through
// /api/v1/recordings; a mono recording ended by the room's deletion; the
// recording endpoints' refusals.
#include <functional>

#include "common/audio_file.hpp"
#include "tests/integration/calls_test_support.hpp"
#include "tests/integration/mix_test_support.hpp"

namespace sb {
namespace {

using namespace std::chrono_literals;
using codecs::CodecId;
using test::converse;
using test::does_not_hear;
using test::forget_heard;
using test::hears;
using test::Talker;

const char* kRoomsConfig = R"(
[dataplane]
port_min = 13500
port_max = 13599
max_rooms_per_worker = 1
max_parties_per_worker = 8
)";

class MediaRooms : public test::CallsDaemon {
 protected:
  void SetUp() override { start(kRoomsConfig); }

  // A room at `rate`; its id, or "" (a failure is recorded).
  std::string make_room(int rate) {
    auto made = call("POST", "/api/v1/media/rooms", R"({"sample_rate": )" + std::to_string(rate) + "}");
    EXPECT_EQ(made.status, 201) << made.body;
    if (made.status != 201) return "";
    EXPECT_EQ(made.json()["sample_rate"], rate);
    return made.json()["id"];
  }
  // `t` joins `room` in its codec; its id, with t.port set to our end.
  std::string join(const std::string& room, Talker& t, const std::string& codec) {
    auto joined =
        call("POST", "/api/v1/media/rooms/" + room + "/parties",
             R"({"remote": "127.0.0.1:)" + std::to_string(t.peer.port()) + R"(", "audio": {"payload_type": )" +
                 std::to_string(t.pt) + R"(, "codec": ")" + codec + R"("}})");
    EXPECT_EQ(joined.status, 201) << joined.body;
    if (joined.status != 201) return "";
    t.port = static_cast<std::uint16_t>(joined.json()["local_port"].get<int>());
    EXPECT_EQ(joined.json()["room"], room);
    return joined.json()["id"];
  }
};

void expect_each_hears_the_others(const Talker& a, const Talker& b, const Talker& c) {
  EXPECT_TRUE(hears(a, 700));
  EXPECT_TRUE(hears(a, 1300));
  EXPECT_TRUE(does_not_hear(a, 400));
  EXPECT_TRUE(hears(b, 400));
  EXPECT_TRUE(hears(b, 1300));
  EXPECT_TRUE(does_not_hear(b, 700));
  EXPECT_TRUE(hears(c, 400));
  EXPECT_TRUE(hears(c, 700));
  EXPECT_TRUE(does_not_hear(c, 1300));
}

TEST_F(MediaRooms, ThreePartiesHearTheOtherTwoAndNotThemselves) {
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=media.room.*", test::bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello

  auto bad = call("POST", "/api/v1/media/rooms", R"({"sample_rate": 44100})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "sample_rate") << bad.body;
  const std::string room = make_room(8000);
  ASSERT_FALSE(room.empty());
  // One room per worker ([dataplane] max_rooms_per_worker = 1).
  EXPECT_EQ(call("POST", "/api/v1/media/rooms", "{}").status, 503);

  Talker a(0, CodecId::kPcmu, 0, 400), b(0, CodecId::kPcmu, 0, 700), c(0, CodecId::kPcmu, 0, 1300);
  bad = call("POST", "/api/v1/media/rooms/" + room + "/parties", R"({"remote": "127.0.0.1:9"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "audio") << bad.body;
  bad = call("POST", "/api/v1/media/rooms/" + room + "/parties", R"({"audio": {"payload_type": 0, "codec": "GSM"}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "audio.codec") << bad.body;
  EXPECT_EQ(
      call("POST", "/api/v1/media/rooms/12345/parties", R"({"audio": {"payload_type": 0, "codec": "PCMU"}})").status,
      404);
  const std::string party_a = join(room, a, "PCMU"), party_b = join(room, b, "PCMU"), party_c = join(room, c, "PCMU");
  ASSERT_FALSE(party_a.empty() || party_b.empty() || party_c.empty());
  const auto shown = call("GET", "/api/v1/media/rooms/" + room);
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.json()["parties"].size(), 3u) << shown.body;
  EXPECT_EQ(call("GET", "/api/v1/media/rooms").json()["rooms"].size(), 1u);

  converse({&a, &b, &c}, 2000ms);
  expect_each_hears_the_others(a, b, c);
  EXPECT_EQ(test::http_request(port_, "GET", "/metrics")
                .body.find("switchboard_dataplane_mixed_packets_total{direction=\"out\"} 0\n"),
            std::string::npos);

  // c leaves: a and b still hear each other, nobody hears c, c hears nothing.
  EXPECT_EQ(call("DELETE", "/api/v1/media/rooms/" + room + "/parties/" + party_c).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/media/rooms/" + room + "/parties/" + party_c).status, 404);
  std::this_thread::sleep_for(100ms);
  forget_heard({&a, &b, &c});
  converse({&a, &b, &c}, 1500ms);
  EXPECT_TRUE(hears(a, 700));
  EXPECT_TRUE(hears(b, 400));
  EXPECT_TRUE(does_not_hear(a, 1300));
  EXPECT_TRUE(does_not_hear(b, 1300));
  EXPECT_TRUE(c.headers.empty()) << c.headers.size() << " packets after leaving";

  EXPECT_EQ(call("DELETE", "/api/v1/media/rooms/" + room).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/media/rooms/" + room).status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/media/rooms/" + room).status, 404);
  std::vector<std::string> seen;
  while (seen.empty() || seen.back() != "media.room.ended") {
    auto e = events.read_json(5s);
    ASSERT_TRUE(e) << testing::PrintToString(seen);
    seen.push_back((*e)["type"]);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"media.room.created", "media.room.party_joined", "media.room.party_joined",
                                            "media.room.party_joined", "media.room.party_left", "media.room.party_left",
                                            "media.room.party_left", "media.room.ended"}));
  // The room's slot is free again.
  EXPECT_FALSE(make_room(8000).empty());
}

TEST_F(MediaRooms, MixedCodecsInAWidebandRoom) {
  const std::string room = make_room(16000);
  ASSERT_FALSE(room.empty());
  Talker a(0, CodecId::kPcmu, 0, 400), b(0, CodecId::kG722, 9, 700), c(0, CodecId::kPcma, 8, 1300);
  ASSERT_FALSE(join(room, a, "PCMU").empty());
  ASSERT_FALSE(join(room, b, "G722").empty());
  ASSERT_FALSE(join(room, c, "PCMA").empty());
  converse({&a, &b, &c}, 2000ms);
  expect_each_hears_the_others(a, b, c);
  EXPECT_EQ(call("DELETE", "/api/v1/media/rooms/" + room).status, 200);
}

// Waits until the recordings API lists `name` (finished: renamed from .part).
bool recording_listed(const std::function<test::HttpResult()>& get) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    if (get().status == 200) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST_F(MediaRooms, ATranscodedCallIsRecordedCallerLeftAgentRight) {
  const std::string room = make_room(8000);
  ASSERT_FALSE(room.empty());
  Talker caller(0, CodecId::kPcmu, 0, 400), agent(0, CodecId::kOpus, 111, 700);
  const std::string party_caller = join(room, caller, "PCMU"), party_agent = join(room, agent, "opus");
  ASSERT_FALSE(party_caller.empty() || party_agent.empty());
  const std::string path = "/api/v1/media/rooms/" + room + "/recording";

  // Refusals, each naming its field; nothing is recorded by them.
  auto bad = call("POST", path, R"({"channels": 2})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "left_party") << bad.body;
  bad = call("POST", path, R"({"left_party": "12345"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "left_party") << bad.body;
  bad = call("POST", path, R"({"sample_rate": 16000})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "sample_rate") << bad.body;
  bad = call("POST", path, R"({"format": "mp3"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "format") << bad.body;
  bad = call("POST", path, R"({"name": "../x"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "name") << bad.body;
  EXPECT_EQ(call("POST", "/api/v1/media/rooms/12345/recording", "{}").status, 404);
  bad = call("POST", path + "/pause", "{}");
  EXPECT_EQ(bad.status, 409) << bad.body;
  EXPECT_EQ(call("DELETE", path).status, 409);

  auto started = call("POST", path, R"({"name": "room-call", "left_party": ")" + party_caller + R"("})");
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(started.json()["channels"], 2);
  EXPECT_EQ(started.json()["sample_rate"], 8000);
  EXPECT_EQ(started.json()["file"], "room-call.wav");
  EXPECT_EQ(started.json()["left_party"], party_caller);
  bad = call("POST", path, "{}");
  EXPECT_EQ(bad.status, 409) << bad.body;
  EXPECT_EQ(bad.json()["error"]["field"], "id") << bad.body;
  // The room shows its recording while it runs, and none after.
  EXPECT_EQ(call("GET", "/api/v1/media/rooms/" + room).json()["recording"], started.json()["recording"]);
  converse({&caller, &agent}, 1500ms);
  EXPECT_EQ(call("POST", path + "/pause", "{}").status, 200);
  EXPECT_EQ(call("POST", path + "/resume", "{}").status, 200);
  auto stopped = call("DELETE", path);
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(stopped.json()["recording"], started.json()["recording"]);
  EXPECT_TRUE(call("GET", "/api/v1/media/rooms/" + room).json()["recording"].is_null());
  ASSERT_TRUE(recording_listed([&] { return call("GET", "/api/v1/recordings/room-call"); }));

  const auto audio = call("GET", "/api/v1/recordings/room-call/audio");
  ASSERT_EQ(audio.status, 200);
  test::write_file(dir_.file("downloaded.wav"), audio.body);
  auto wav = read_audio_file(dir_.file("downloaded.wav"));
  ASSERT_TRUE(wav) << wav.status().to_string();
  ASSERT_EQ(wav->channels, 2);
  ASSERT_GE(wav->frames(), 8000u);
  // Levels after the jitter buffers' start-up, bounds as in mix_test_support.hpp.
  const auto left = wav->channel(0), right = wav->channel(1);
  const auto settled = [](const std::vector<std::int16_t>& x) { return std::span(x).subspan(test::kSettleMs * 8); };
  EXPECT_GT(codecs::tone_level_dbfs(settled(left), 400, 8000), test::kHeardDbfs);
  EXPECT_LT(codecs::tone_level_dbfs(settled(left), 700, 8000), test::kAbsentDbfs);
  EXPECT_GT(codecs::tone_level_dbfs(settled(right), 700, 8000), test::kHeardDbfs);
  EXPECT_LT(codecs::tone_level_dbfs(settled(right), 400, 8000), test::kAbsentDbfs);
  const auto meta = call("GET", "/api/v1/recordings/room-call").json()["metadata"];
  EXPECT_EQ(meta.value("room", ""), room) << meta.dump();

  // Mono, ended by deleting the room: the file is finished all the same.
  started = call("POST", path, R"({"name": "room-mono"})");
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(started.json()["channels"], 1);
  converse({&caller, &agent}, 600ms);
  EXPECT_EQ(call("DELETE", "/api/v1/media/rooms/" + room).status, 200);
  ASSERT_TRUE(recording_listed([&] { return call("GET", "/api/v1/recordings/room-mono"); }));
}

}  // namespace
}  // namespace sb
