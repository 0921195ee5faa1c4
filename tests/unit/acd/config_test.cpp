// The ACD's TOML loader: a complete file loads into the model the engine
// runs on; each kind of mistake is reported with file, line, column and key,
// and all mistakes of a file are reported together.
#include <gtest/gtest.h>

#include <fstream>

#include "acd/config.hpp"
#include "tests/support/process.hpp"

namespace sb::acd {
namespace {

std::string write(const test::TempDir& dir, const std::string& text) {
  const std::string path = dir.file("acd.toml");
  std::ofstream(path) << text;
  return path;
}

const char* kGood = R"([acd]
max_consecutive_misses = 2
skills = ["english", "spanish", "billing"]

[[acd.queues]]
name = "sales"
strategy = "round-robin"
service_level_seconds = 30
service_level_target = 90
max_wait_seconds = 600
overflow = "general"
weight = 2.5
wrap_up_seconds = 10
priority = 5
priority_per_minute = 1.5
max_priority = 20
callback_dial_seconds = 45
announce_interval_seconds = 30
requires = { english = 5 }
expansions = [
  { after_seconds = 30, requires = { english = 2 } },
  { after_seconds = 90, requires = { spanish = 3 } },
]

[[acd.queues]]
name = "general"

[[acd.agents]]
id = "1001"
name = "Ana"
skills = { english = 7, spanish = 9 }
queues = ["sales", "general"]
wrap_up_seconds = 4

[[acd.agents]]
id = "1002"
queues = ["general"]
)";

TEST(AcdConfig, LoadsEveryField) {
  test::TempDir dir;
  auto m = load_acd_file(write(dir, kGood));
  ASSERT_TRUE(m.has_value()) << m.status().message();
  EXPECT_EQ(m->max_consecutive_misses, 2);
  ASSERT_EQ(m->skills.size(), 3u);
  ASSERT_EQ(m->queues.size(), 2u);
  const QueueConfig& q = m->queues[0];
  EXPECT_EQ(q.name, "sales");
  EXPECT_EQ(q.strategy, Strategy::kRoundRobin);
  EXPECT_EQ(q.service_level_seconds, 30);
  EXPECT_DOUBLE_EQ(q.service_level_target, 0.9);
  EXPECT_DOUBLE_EQ(m->queues[1].service_level_target, 0.8);
  EXPECT_EQ(q.max_wait_seconds, 600);
  EXPECT_EQ(q.overflow_target, 1);
  EXPECT_EQ(q.weight, 2.5);
  EXPECT_EQ(q.wrap_up_seconds, 10);
  EXPECT_EQ(q.initial_priority, 5);
  EXPECT_EQ(q.priority_per_minute, 1.5);
  EXPECT_EQ(q.max_priority, 20);
  EXPECT_EQ(q.callback_dial_seconds, 45);
  EXPECT_EQ(q.announce_interval_seconds, 30);
  EXPECT_EQ(m->queues[1].callback_dial_seconds, 60);      // the defaults
  EXPECT_EQ(m->queues[1].announce_interval_seconds, 60);
  ASSERT_EQ(q.requirements.size(), 1u);
  EXPECT_EQ(q.requirements[0].skill, 0);
  EXPECT_EQ(q.requirements[0].min_proficiency, 5);
  ASSERT_EQ(q.expansions.size(), 2u);
  EXPECT_EQ(q.expansions[1].after_seconds, 90);
  EXPECT_EQ(q.expansions[1].requirements[0].skill, 1);
  EXPECT_EQ(m->queues[1].strategy, Strategy::kLongestIdle);
  EXPECT_EQ(m->queues[1].overflow_target, -1);
  ASSERT_EQ(m->agents.size(), 2u);
  EXPECT_EQ(m->agents[0].name, "Ana");
  EXPECT_EQ(m->agents[0].skills.level[1], 9);
  EXPECT_EQ(m->agents[0].skills.level[2], 0);
  EXPECT_EQ(m->agents[0].queues, (std::vector<int>{0, 1}));
  EXPECT_EQ(m->agents[0].wrap_up_override_seconds, 4);
  EXPECT_EQ(m->agents[1].name, "1002");  // defaults to the id
  EXPECT_EQ(m->agents[1].order, 1);
}

struct Bad {
  const char* text;
  int line;
  const char* key;
  const char* message_part;
};

class AcdConfigErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(AcdConfigErrors, NameFileLineAndKey) {
  test::TempDir dir;
  const std::string path = write(dir, GetParam().text);
  std::vector<ConfigError> errors;
  auto m = load_acd_file(path, &errors);
  ASSERT_FALSE(m.has_value());
  ASSERT_EQ(errors.size(), 1u) << m.status().message();
  EXPECT_EQ(errors[0].file, path);
  EXPECT_EQ(errors[0].line, GetParam().line) << errors[0].to_string();
  EXPECT_EQ(errors[0].key, GetParam().key) << errors[0].to_string();
  EXPECT_NE(errors[0].message.find(GetParam().message_part), std::string::npos) << errors[0].to_string();
  // The status a caller prints carries the same text.
  EXPECT_NE(m.status().message().find(path + ":" + std::to_string(GetParam().line) + ":"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AcdConfigErrors,
    ::testing::Values(
        Bad{"[acd]\nskills = [\"a\"]\n[[acd.queues]]\nname = \"q\"\nstrategy = \"fastest\"\n", 5, "acd.queues[0].strategy",
            "unknown strategy"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\nservice_level_secs = 20\n", 4, "acd.queues[0].service_level_secs",
            "unknown key"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\nweight = \"heavy\"\n", 4, "acd.queues[0].weight", "must be a number"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\noffer_timeout_seconds = 0\n", 4, "acd.queues[0].offer_timeout_seconds",
            "between 1 and 3600"},
        Bad{"[acd]\nskills = [\"a\"]\n[[acd.queues]]\nname = \"q\"\nrequires = { b = 3 }\n", 5, "acd.queues[0].requires.b",
            "unknown skill"},
        Bad{"[acd]\nskills = [\"a\"]\n[[acd.queues]]\nname = \"q\"\nrequires = { a = 11 }\n", 5, "acd.queues[0].requires.a",
            "1 to 10"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\nannounce_interval_seconds = 0.5\n", 4,
            "acd.queues[0].announce_interval_seconds", "0 (off) or at least 1"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\nannounce_interval_seconds = -3\n", 4,
            "acd.queues[0].announce_interval_seconds", "between 0 and 3600"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\ncallback_dial_seconds = 0\n", 4, "acd.queues[0].callback_dial_seconds",
            "between 1 and 600"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\noverflow = \"nowhere\"\n", 4, "acd.queues[0].overflow", "no queue named"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\n\n[[acd.queues]]\nname = \"q\"\n", 6, "acd.queues[1].name", "duplicate queue"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\nexpansions = [{ after_seconds = 30 }, { after_seconds = 10 }]\n", 4,
            "acd.queues[0].expansions[1].after_seconds", "later than"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\n[[acd.agents]]\nid = \"7\"\nqueues = [\"q\", \"x\"]\n", 6,
            "acd.agents[0].queues[1]", "no queue named 'x'"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\"\n[[acd.agents]]\nname = \"no id\"\nqueues = [\"q\"]\n", 4, "acd.agents[0].id",
            "is required"},
        Bad{"[acd]\nskills = [\"a\", \"a\"]\n", 2, "acd.skills[1]", "duplicate skill"},
        Bad{"[acd]\nmax_consecutive_misses = 2.5\n", 2, "acd.max_consecutive_misses", "must be an integer"},
        Bad{"[acd]\n[[acd.queues]]\nname = \"q\n", 3, "", ""}));  // TOML syntax error: position, no key

TEST(AcdConfig, ReportsEveryErrorOfAFileAtOnce) {
  test::TempDir dir;
  std::vector<ConfigError> errors;
  auto m = load_acd_file(write(dir, "[acd]\nbogus = 1\n[[acd.queues]]\nname = \"q\"\nweight = -1\nstrategy = \"x\"\n"),
                         &errors);
  ASSERT_FALSE(m.has_value());
  ASSERT_EQ(errors.size(), 3u) << m.status().message();
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[1].key, "acd.queues[0].strategy");
  EXPECT_EQ(errors[2].key, "acd.queues[0].weight");
}

TEST(AcdConfig, MissingFileAndMissingSection) {
  std::vector<ConfigError> errors;
  EXPECT_FALSE(load_acd_file("/nonexistent/acd.toml", &errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  test::TempDir dir;
  errors.clear();
  EXPECT_FALSE(load_acd_file(write(dir, "[other]\nx = 1\n"), &errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "acd");
}

}  // namespace
}  // namespace sb::acd
