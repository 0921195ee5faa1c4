// Conference rooms through the media API on a running daemon, with real RTP
// over loopback: three parties talking 400, 700 and 1300 Hz each hear the
// other two and not themselves (bounds in mix_test_support.hpp), in one
// codec and across PCMU, G.722 and PCMA in a 16 kHz room; a party that
// leaves is heard no more and hears nothing; deleting the room ends it.
// Also the refusals (422 naming the field, 404), the media.room.* events,
// the mix counters on /metrics, and [dataplane]
// max_rooms_per_worker holding (one room per worker here).
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
port_min = 36500
port_max = 36599
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

}  // namespace
}  // namespace sb
