// Talk-off: speech must not be mistaken for DTMF. At least ten minutes of
// espeak-ng speech in several voices, languages and speeds runs through the
// detector; every false detection is counted and reported, and the test
// requires none (Bellcore's talk-off benchmark allows a handful per hours of
// real speech; synthetic speech with stable pitch is the harder case for
// harmonics landing on a DTMF pair, so zero in ten minutes is a fair bar).
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/support/process.hpp"
#include "tests/unit/ivr/dtmf_test_util.hpp"

namespace sb::ivr {
namespace {

const char* const kTexts[] = {
    "Thank you for calling. Your call is important to us. Please stay on the line and the next available "
    "representative will be with you shortly. Calls may be recorded for quality and training purposes. If you "
    "know the extension of the person you wish to reach, you may dial it at any time. For billing questions, "
    "press one. For technical support, press two. To hear these options again, please stay on the line.",
    "The weather this week will be mostly cloudy with scattered showers in the afternoon. Temperatures will "
    "reach a high of seventeen degrees on Wednesday before a cold front moves in from the north. Drivers are "
    "advised to take care on the coastal roads where strong winds may bring down branches and debris. The "
    "weekend looks brighter, with sunshine expected across most of the region by Sunday morning.",
    "Once upon a time, in a village between two rivers, there lived a miller who had three sons. The eldest was "
    "strong, the second was clever, and the youngest was kind to everyone he met. One winter the river froze so "
    "hard that the wheel could not turn, and the family had nothing left to sell. So the youngest son set out "
    "across the ice with nothing but a loaf of bread and his father's old coat.",
    "Modern telephone networks carry speech as digital samples, eight thousand of them every second, each "
    "compressed into a single byte. Signalling tones share the same path as the voice, which is why a receiver "
    "must tell the difference between a person saying a word and a key being pressed on the handset. Careful "
    "design of the detector keeps both the missed digits and the false alarms rare.",
    "Please have your account number and the postcode of your billing address ready. Our opening hours are "
    "from eight in the morning until eight in the evening, Monday to Friday, and from nine until five on "
    "Saturdays. You can also manage your account online, report a fault, or request a callback at a time that "
    "suits you. Remember that we will never ask you for your full password over the phone.",
};

struct Voice {
  const char* name;
  const char* text_lang;  // which texts suit the voice
};

TEST(DtmfTalkOff, NoDigitsInTenMinutesOfSpeech) {
  if (!sb::test::have_program("espeak-ng")) GTEST_SKIP() << "espeak-ng is not installed (the test command installs it)";
  // English texts read by English voices and, for variety of pitch and
  // phonetics, by other languages' voices reading the same words.
  const char* voices[] = {"en-us", "en-gb", "en-us+f3", "en-gb+m4", "de", "fr", "es", "it", "en-us+f5", "nl"};
  double seconds = 0;
  int false_detections = 0;
  std::string detected;
  int i = 0;
  for (const char* voice : voices) {
    for (const char* text : kTexts) {
      const auto pcm = sb::test::espeak_speech(text, voice, 8000);
      ASSERT_FALSE(pcm.empty()) << "espeak-ng produced nothing for voice " << voice;
      seconds += static_cast<double>(pcm.size()) / 8000.0;
      const auto found = test::detect_all(pcm);
      false_detections += static_cast<int>(found.size());
      for (const auto& d : found) detected += std::string(voice) + ":" + d.digit + " ";
      ++i;
    }
    if (seconds >= 660) break;
  }
  std::printf("talk-off: %d false detections in %.1f minutes of speech (%d clips)\n", false_detections,
              seconds / 60.0, i);
  RecordProperty("false_detections", false_detections);
  RecordProperty("speech_seconds", static_cast<int>(seconds));
  EXPECT_GE(seconds, 600.0);
  EXPECT_EQ(false_detections, 0) << detected;
}

}  // namespace
}  // namespace sb::ivr
