// The words of a queue announcement (ivr/menu/queue_announcement.hpp): the
// prompt names for a position and an expected wait, within what one
// playback holds, and every one of them spoken in every language of the
// embedded default, so `switchboard prompts generate` records them all.
#include <gtest/gtest.h>

#include <set>

#include "control/config/default_config.hpp"
#include "ivr/menu/menu_model.hpp"
#include "ivr/menu/queue_announcement.hpp"
#include "tests/unit/daemon/config_test_util.hpp"

namespace sb {
namespace {

using ivr::menu::queue_announcement;
using Words = std::vector<std::string>;

TEST(QueueAnnouncement, SaysSmallNumbersExactlyAndLargeOnesAsMoreThanARoundOne) {
  EXPECT_EQ(queue_announcement(1, 30),
            (Words{"announce_position", "number_1", "announce_wait", "less_than", "one_minute"}));
  EXPECT_EQ(queue_announcement(2, 60), (Words{"announce_position", "number_2", "announce_wait", "one_minute"}));
  EXPECT_EQ(queue_announcement(20, 61),  // wait rounded up
            (Words{"announce_position", "number_20", "announce_wait", "number_2", "minutes"}));
  EXPECT_EQ(queue_announcement(57, 60 * 19.5),
            (Words{"announce_position", "more_than", "number_50", "announce_wait", "number_20", "minutes"}));
  EXPECT_EQ(queue_announcement(30, 60 * 45),
            (Words{"announce_position", "more_than", "number_20", "announce_wait", "more_than", "number_40", "minutes"}));
  EXPECT_EQ(queue_announcement(4000, 60 * 600),
            (Words{"announce_position", "more_than", "number_100", "announce_wait", "more_than", "number_100", "minutes"}));
}

TEST(QueueAnnouncement, FitsOnePlaybackAndUsesOnlyTheListedPrompts) {
  const auto listed = ivr::menu::queue_announcement_prompts();
  const std::set<std::string_view> known(listed.begin(), listed.end());
  std::set<std::string_view> used;
  for (std::size_t position = 1; position <= 150; ++position)
    for (double wait = 0; wait <= 150 * 60; wait += 30) {
      const auto words = queue_announcement(position, wait);
      ASSERT_LE(words.size(), ivr::menu::kAnnouncementMaxPrompts) << position << " " << wait;
      for (const auto& w : words) {
        ASSERT_TRUE(known.count(w)) << w;
        used.insert(*known.find(w));
      }
    }
  EXPECT_EQ(used, known);  // and none is listed for nothing
}

TEST(QueueAnnouncement, TheEmbeddedDefaultSpeaksEveryWordInEveryLanguage) {
  auto r = test::load(std::string(config::embedded_default_config()));
  ASSERT_TRUE(r.ok()) << test::joined(test::error_lines(r));
  auto ivr = r.config->section_ptr<ivr::menu::IvrConfig>("ivr");
  ASSERT_TRUE(ivr);
  for (std::string_view name : ivr::menu::queue_announcement_prompts()) {
    const auto p = ivr->prompts.find(name);
    ASSERT_NE(p, ivr->prompts.end()) << name;
    for (const auto& language : ivr->languages) EXPECT_TRUE(p->second.text.count(language)) << name << " " << language;
  }
}

}  // namespace
}  // namespace sb
