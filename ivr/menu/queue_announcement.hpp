// The words of a queue announcement: "you are caller number three; your
// expected wait is about four minutes", as a list of recorded prompt names
// that call control plays in the caller's language (each prompt a word or
// a phrase, spoken by `switchboard prompts generate` from the [ivr]
// prompts' text, or recorded by the operator).
//
// Numbers are single prompts, so they read right in every language without
// grammar rules: 1 to 20 exactly, above that "more than" the tens below
// (57 -> "more than fifty"), above 100 "more than one hundred". Waits are
// rounded up to whole minutes; under a minute is "less than one minute".
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sb::ivr::menu {

// At most this many prompts (a dataplane playback holds 8).
inline constexpr std::size_t kAnnouncementMaxPrompts = 7;

// The prompt names for `position` (1 = next) and `wait_seconds`.
std::vector<std::string> queue_announcement(std::size_t position, double wait_seconds);

// Every prompt name queue_announcement() can use: a config that announces
// should give each of them text (or a recording) in each language.
std::span<const std::string_view> queue_announcement_prompts();

}  // namespace sb::ivr::menu
