#include "ivr/menu/queue_announcement.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace sb::ivr::menu {

namespace {

constexpr std::array<std::string_view, 34> kPrompts = {
    "announce_position", "announce_wait", "less_than", "more_than", "one_minute", "minutes",
    "number_1",  "number_2",  "number_3",  "number_4",  "number_5",  "number_6",  "number_7",
    "number_8",  "number_9",  "number_10", "number_11", "number_12", "number_13", "number_14",
    "number_15", "number_16", "number_17", "number_18", "number_19", "number_20", "number_30",
    "number_40", "number_50", "number_60", "number_70", "number_80", "number_90", "number_100"};

// One or two prompts: the number itself, or "more than" a round one.
void say_number(std::size_t n, std::vector<std::string>& out) {
  if (n <= 20) {
    out.push_back("number_" + std::to_string(n));
    return;
  }
  out.push_back("more_than");
  const std::size_t below = n > 100 ? 100 : (n % 10 == 0 ? n - 10 : n - n % 10);
  out.push_back("number_" + std::to_string(below));
}

}  // namespace

std::vector<std::string> queue_announcement(std::size_t position, double wait_seconds) {
  std::vector<std::string> out;
  out.push_back("announce_position");
  say_number(position == 0 ? 1 : position, out);
  out.push_back("announce_wait");
  const double minutes = std::ceil(std::max(0.0, wait_seconds) / 60.0);
  if (wait_seconds < 60) {
    out.push_back("less_than");
    out.push_back("one_minute");
  } else if (minutes <= 1) {
    out.push_back("one_minute");
  } else {
    say_number(static_cast<std::size_t>(minutes), out);
    out.push_back("minutes");
  }
  return out;
}

std::span<const std::string_view> queue_announcement_prompts() { return kPrompts; }

}  // namespace sb::ivr::menu
