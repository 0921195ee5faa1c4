// The switchboard binary as operators run it: version, self-check, and the
// `dtmf` audit command on WAV files made by sox.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "common/audio_file.hpp"
#include "tests/support/process.hpp"
#include "tests/support/sox.hpp"

namespace sb {
namespace {

using test::have_program;
using test::run;
using test::sox_digits;
using test::switchboard_binary;
using test::TempDir;

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

class DtmfCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("sox")) GTEST_SKIP() << "sox is not installed (the test command installs it)";
  }
  TempDir dir;
};

TEST(Cli, VersionAndSelfCheck) {
  auto v = run({switchboard_binary(), "--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("switchboard "), std::string::npos);
  auto s = run({switchboard_binary(), "selfcheck", "--json"});
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  auto j = nlohmann::json::parse(s.out);
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_EQ(j["codecs"].size(), 6u);
  EXPECT_EQ(j["dtmf"]["detected"], "0123456789*#ABCD");
}

TEST(Cli, PromptsGenerateSpeaksEveryPromptOnceAndKeepsFiles) {
  if (!have_program("espeak-ng")) GTEST_SKIP() << "espeak-ng is not installed (the test command installs it)";
  TempDir dir;
  const std::string in_dir = "cd " + dir.path() + " && exec " + switchboard_binary() + " prompts generate";
  auto r = run({"sh", "-c", in_dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("prompts: 86 written, 0 kept, 0 failed"), std::string::npos) << r.out;
  for (const char* f : {"var/prompts/en/welcome.wav", "var/prompts/es/main_menu.wav", "var/prompts/en/goodbye.wav",
                        "var/prompts/en/announce_position.wav", "var/prompts/es/number_7.wav"}) {
    auto clip = read_audio_file(dir.file(f));
    ASSERT_TRUE(clip) << f << ": " << clip.status().to_string();
    EXPECT_GT(clip->frames(), static_cast<std::size_t>(clip->sample_rate / 2)) << f;  // words, not a click
  }
  r = run({"sh", "-c", in_dir});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("prompts: 0 written, 86 kept, 0 failed"), std::string::npos) << r.out;
  std::ofstream(dir.file("bad.toml")) << "[ivr]\nprompts_dir = 5\n";
  EXPECT_EQ(run({switchboard_binary(), "prompts", "generate", "--config", dir.file("bad.toml")}).exit_code, 2);
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run({switchboard_binary()}).exit_code, 2);
  EXPECT_EQ(run({switchboard_binary(), "dtmf"}).exit_code, 2);
  EXPECT_EQ(run({switchboard_binary(), "no-such-command"}).exit_code, 2);
}

TEST_F(DtmfCommand, SoxSingleDigitAsInTheIssue) {
  // The command from the issue: 50 ms of 697 + 1209 Hz ('1').
  const std::string wav = dir.file("d.wav");
  auto r = run({"sox", "-n", "-r", "8000", "-e", "signed", "-b", "16", wav, "synth", "0.05", "sine", "697", "sine",
                "1209", "remix", "1,2", "gain", "-8", "pad", "0.1", "0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({switchboard_binary(), "dtmf", wav});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 1u) << r.out;
  EXPECT_EQ(ls[0].substr(0, 2), "1 ");
  EXPECT_NE(ls[0].find("start_ms="), std::string::npos);
  EXPECT_NE(ls[0].find("duration_ms="), std::string::npos);
}

TEST_F(DtmfCommand, EveryEncodingAndRateThePrintedDigitsMatch) {
  struct Fmt { int rate; const char* enc; int bits; };
  for (const Fmt f : {Fmt{8000, "signed", 16}, Fmt{16000, "signed", 16}, Fmt{8000, "mu-law", 8},
                      Fmt{8000, "a-law", 8}, Fmt{16000, "mu-law", 8}}) {
    const std::string name = std::string(f.enc) + std::to_string(f.rate);
    const std::string wav = sox_digits(dir, name, "159#0*D", f.rate, f.enc, f.bits);
    auto r = run({switchboard_binary(), "dtmf", "--json", wav});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    std::string digits;
    std::int64_t previous_start = -1;
    for (const auto& l : lines(r.out)) {
      auto j = nlohmann::json::parse(l);
      digits += j["digit"].get<std::string>();
      const auto start = j["start_ms"].get<std::int64_t>();
      const auto duration = j["duration_ms"].get<std::int64_t>();
      // Each part is 100 ms lead-in, 80 ms tone, 100 ms gap: 280 ms apart.
      const std::int64_t expected = 100 + 280 * static_cast<std::int64_t>(digits.size() - 1);
      EXPECT_NEAR(static_cast<double>(start), static_cast<double>(expected), 15.0) << name;
      EXPECT_NEAR(static_cast<double>(duration), 80.0, 15.0) << name;
      EXPECT_GT(start, previous_start);
      previous_start = start;
    }
    EXPECT_EQ(digits, "159#0*D") << name;
  }
}

TEST_F(DtmfCommand, StereoRecordingNamesTheChannel) {
  const std::string left = sox_digits(dir, "left", "12", 8000, "signed", 16);
  const std::string right = dir.file("right.wav");
  ASSERT_EQ(run({"sox", left, right, "reverse"}).exit_code, 0);  // tones in other places
  const std::string stereo = dir.file("stereo.wav");
  auto m = run({"sox", "-M", left, right, stereo});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  auto r = run({switchboard_binary(), "dtmf", stereo});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 4u) << r.out;
  int left_count = 0, right_count = 0;
  for (const auto& l : ls) {
    left_count += l.find("channel=left") != std::string::npos;
    right_count += l.find("channel=right") != std::string::npos;
  }
  EXPECT_EQ(left_count, 2);
  EXPECT_EQ(right_count, 2);
}

TEST_F(DtmfCommand, BadFilesGiveOneLineAndExitTwo) {
  std::ofstream(dir.file("text.wav")) << "hello, this is not a wav file\n";
  ASSERT_EQ(run({"sox", "-n", "-r", "44100", "-e", "signed", "-b", "16", dir.file("cd.wav"), "synth", "0.1", "sine",
                 "440"}).exit_code, 0);
  ASSERT_EQ(run({"sox", "-n", "-r", "8000", "-e", "floating-point", "-b", "32", dir.file("float.wav"), "synth", "0.1",
                 "sine", "440"}).exit_code, 0);
  ASSERT_EQ(run({"sox", "-n", "-r", "8000", "-e", "signed", "-b", "16", dir.file("raw.aiff"), "synth", "0.1", "sine",
                 "440"}).exit_code, 0);
  ASSERT_EQ(run({"sox", "-n", "-r", "8000", "-c", "3", "-e", "signed", "-b", "16", dir.file("three.wav"), "synth",
                 "0.1", "sine", "440"}).exit_code, 0);
  struct Case { std::string file; std::string expect; };
  for (const Case& c : {Case{dir.file("missing.wav"), "missing.wav"}, Case{dir.file("text.wav"), "text.wav"},
                        Case{dir.file("cd.wav"), "44100"}, Case{dir.file("float.wav"), "float"},
                        Case{dir.file("raw.aiff"), "not a WAV"}, Case{dir.file("three.wav"), "channel"},
                        Case{dir.path(), ""}}) {
    auto r = run({switchboard_binary(), "dtmf", c.file});
    EXPECT_EQ(r.exit_code, 2) << c.file;
    EXPECT_EQ(r.out, "");
    const auto ls = lines(r.err);
    ASSERT_EQ(ls.size(), 1u) << r.err;
    EXPECT_EQ(ls[0].rfind("switchboard dtmf: ", 0), 0u) << ls[0];
    EXPECT_NE(ls[0].find(c.expect), std::string::npos) << ls[0];
  }
}

TEST_F(DtmfCommand, SilenceAndSpeechPrintNothing) {
  ASSERT_EQ(run({"sox", "-n", "-r", "8000", "-e", "signed", "-b", "16", dir.file("quiet.wav"), "trim", "0", "2"}).exit_code, 0);
  auto r = run({switchboard_binary(), "dtmf", dir.file("quiet.wav")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  r = run({switchboard_binary(), "dtmf", test::test_data_dir() + "/speech_16k.wav"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace sb
