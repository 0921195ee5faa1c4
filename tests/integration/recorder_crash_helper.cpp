// Test helper for the recording durability test: records six calls in a
// recordings directory, finishes three, keeps writing the other three, and
// prints "READY" once the finished ones are done and the open ones have been
// flushed at least once. The test then SIGKILLs it.
#include <cstdio>
#include <string>
#include <thread>

#include "dataplane/recording/recorder.hpp"
#include "tests/support/signals.hpp"

using namespace sb::recording;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  RecorderService::Options o;
  o.directory = argv[1];
  o.flush_interval = std::chrono::milliseconds(50);
  RecorderService rec(o, 1);
  const RecordingFormat formats[] = {RecordingFormat::kWavPcm16, RecordingFormat::kWavUlaw, RecordingFormat::kOggOpus};
  RecordingId ids[6];
  for (int i = 0; i < 6; ++i) {
    RecordingSpec s;
    s.name = (i < 3 ? "finished-" : "open-") + std::to_string(i % 3);
    s.format = formats[i % 3];
    s.sample_rate = 8000;
    s.metadata = {{"call_id", s.name}};
    auto id = rec.start(s);
    if (!id) return 1;
    ids[i] = *id;
  }
  const auto left = sb::test::sine(8000, 500, -12, 20), right = sb::test::sine(8000, 1200, -12, 20);
  std::int16_t frame[320];
  for (int k = 0; k < 160; ++k) {
    frame[2 * k] = left[static_cast<std::size_t>(k)];
    frame[2 * k + 1] = right[static_cast<std::size_t>(k)];
  }
  auto& tap = rec.tap(0);
  std::uint64_t tick = 0;
  // 3 s for everyone; then the first three stop.
  for (; tick < 150; ++tick)
    for (RecordingId id : ids)
      while (!tap.frame(id, tick, frame, 2)) std::this_thread::yield();
  for (int i = 0; i < 3; ++i) tap.stop(ids[i], tick);
  rec.wait_idle();
  int done = 0;
  RecorderEvent ev;
  while (rec.poll_event(ev)) done += ev.kind == RecorderEvent::kDone;
  if (done != 3) return 1;
  // Let the open ones flush what they have, then report and keep going.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::printf("READY\n");
  std::fflush(stdout);
  for (;; ++tick) {
    for (int i = 3; i < 6; ++i) tap.frame(ids[i], tick, frame, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}
