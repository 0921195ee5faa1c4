// Recording durability: SIGKILL a process while recordings are active.
// Every finished recording must be complete and playable; `switchboard
// recordings repair` must recover the rest; no zero-byte file may remain.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "common/audio_file.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

namespace fs = std::filesystem;

std::string helper() {
  const char* h = std::getenv("SB_RECORDER_CRASH_HELPER");
  return h ? h : "recorder_crash_helper";
}

nlohmann::json sidecar(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(RecordingDurability, SigkillThenRepair) {
  test::TempDir dir;
  auto child = test::Child::spawn({helper(), dir.path()});
  ASSERT_TRUE(child.started());
  std::string line;
  ASSERT_TRUE(child.read_line(line, std::chrono::seconds(60)));
  ASSERT_EQ(line, "READY");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the open ones keep writing
  child.kill(SIGKILL);
  EXPECT_EQ(child.wait(), 128 + SIGKILL);

  // Finished recordings: complete, playable, 3 s, sidecar says complete.
  for (const char* f : {"finished-0.wav", "finished-1.wav", "finished-2.opus"}) {
    auto clip = read_audio_file(dir.file(f));
    ASSERT_TRUE(clip) << f << ": " << clip.status().to_string();
    EXPECT_NEAR(static_cast<double>(clip->frames()) / clip->sample_rate, 3.0, 0.03) << f;
    const std::string stem = std::string(f).substr(0, std::string(f).rfind('.'));
    EXPECT_EQ(sidecar(dir.file(stem + ".json"))["recording"]["status"], "complete") << f;
  }
  // The open ones were cut off.
  for (const char* f : {"open-0.wav.part", "open-1.wav.part", "open-2.opus.part"})
    EXPECT_TRUE(fs::exists(dir.file(f))) << f;

  auto r = test::run({test::switchboard_binary(), "recordings", "repair", dir.path()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("repaired open-0.wav"), std::string::npos) << r.out;
  for (const char* f : {"open-0.wav", "open-1.wav", "open-2.opus"}) {
    auto clip = read_audio_file(dir.file(f));
    ASSERT_TRUE(clip) << f << ": " << clip.status().to_string();
    // At least the 3 s written before READY (flushed every 50 ms) survived.
    EXPECT_GE(static_cast<double>(clip->frames()) / clip->sample_rate, 2.9) << f;
    const std::string stem = std::string(f).substr(0, std::string(f).rfind('.'));
    const auto meta = sidecar(dir.file(stem + ".json"));
    EXPECT_EQ(meta["recording"]["status"], "repaired") << f;
  }
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_GT(fs::file_size(e.path()), 0u) << e.path();
    EXPECT_NE(e.path().extension(), ".part") << e.path();
  }
  // Running repair again finds nothing to do.
  r = test::run({test::switchboard_binary(), "recordings", "repair", dir.path()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("0 file(s) examined"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sb
