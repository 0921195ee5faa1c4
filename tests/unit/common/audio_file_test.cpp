#include "common/audio_file.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/process.hpp"

namespace sb {
namespace {

TEST(AudioFile, WriteThenReadStereo) {
  test::TempDir dir;
  std::vector<std::int16_t> s = {1, -1, 1000, -1000, 32767, -32768};
  ASSERT_TRUE(write_wav_pcm16(dir.file("a.wav"), 8000, 2, s).is_ok());
  auto clip = read_audio_file(dir.file("a.wav"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  EXPECT_TRUE(clip->is_wav);
  EXPECT_EQ(clip->encoding, AudioEncoding::kPcm16);
  EXPECT_EQ(clip->sample_rate, 8000);
  EXPECT_EQ(clip->channels, 2);
  EXPECT_EQ(clip->frames(), 3u);
  EXPECT_EQ(clip->samples, s);
  EXPECT_EQ(clip->channel(1), (std::vector<std::int16_t>{-1, -1000, -32768}));
  EXPECT_TRUE(clip->channel(2).empty());
}

TEST(AudioFile, MissingAndGarbageFilesAreIoErrors) {
  test::TempDir dir;
  auto missing = read_audio_file(dir.file("nope.wav"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find("nope.wav"), std::string::npos);

  std::ofstream(dir.file("text.wav")) << "this is not audio\n";
  auto garbage = read_audio_file(dir.file("text.wav"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.status().code(), StatusCode::kIoError);
}

TEST(AudioFile, UnwritableDirectoryIsAnError) {
  EXPECT_FALSE(write_wav_pcm16("/nonexistent-dir/x.wav", 8000, 1, {0}).is_ok());
}

}  // namespace
}  // namespace sb
