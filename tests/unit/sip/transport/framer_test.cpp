#include "control/sip/transport/stream_framer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sb::sip {
namespace {

const std::string kOptions =
    "OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "abcd";

TEST(StreamFramer, WholeMessage) {
  const auto f = frame_stream(kOptions, 65536);
  EXPECT_EQ(f.kind, StreamFrame::kMessage);
  EXPECT_EQ(f.size, kOptions.size());
}

TEST(StreamFramer, EveryPrefixNeedsMore) {
  for (std::size_t n = 0; n < kOptions.size(); ++n) {
    EXPECT_EQ(frame_stream(std::string_view(kOptions).substr(0, n), 65536).kind, StreamFrame::kNeedMore) << n;
  }
}

TEST(StreamFramer, TwoMessagesBackToBack) {
  const std::string two = kOptions + kOptions;
  const auto f = frame_stream(two, 65536);
  EXPECT_EQ(f.kind, StreamFrame::kMessage);
  EXPECT_EQ(f.size, kOptions.size());
}

TEST(StreamFramer, KeepAlives) {
  EXPECT_EQ(frame_stream("\r\n\r\n", 100).kind, StreamFrame::kPing);
  EXPECT_EQ(frame_stream("\r\n\r\n", 100).size, 4u);
  EXPECT_EQ(frame_stream("\r\n", 100).kind, StreamFrame::kNeedMore);
  EXPECT_EQ(frame_stream("\r\n\r", 100).kind, StreamFrame::kNeedMore);
  const auto skip = frame_stream("\r\nOPTIONS", 100);
  EXPECT_EQ(skip.kind, StreamFrame::kSkip);
  EXPECT_EQ(skip.size, 2u);
}

TEST(StreamFramer, CompactAndCaseInsensitiveContentLength) {
  const std::string m = "MESSAGE sip:a@b SIP/2.0\r\nl : 2\r\nVia: SIP/2.0/TCP h\r\n\r\nhi";
  EXPECT_EQ(frame_stream(m, 1000).kind, StreamFrame::kMessage);
  const std::string m2 = "MESSAGE sip:a@b SIP/2.0\r\ncOnTeNt-LeNgTh: 2\r\n\r\nhi";
  EXPECT_EQ(frame_stream(m2, 1000).size, m2.size());
}

TEST(StreamFramer, ContentLengthOnAContinuationLine) {
  const std::string m = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length:\r\n  2\r\n\r\nhi";
  const auto f = frame_stream(m, 1000);
  EXPECT_EQ(f.kind, StreamFrame::kMessage);
  EXPECT_EQ(f.size, m.size());
}

TEST(StreamFramer, MissingContentLength) {
  const std::string m = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\nrest";
  const auto f = frame_stream(m, 1000);
  EXPECT_EQ(f.kind, StreamFrame::kNoContentLength);
  EXPECT_EQ(f.size, m.size() - 4);  // the header section
}

TEST(StreamFramer, BadContentLength) {
  EXPECT_EQ(frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: x1\r\n\r\n", 1000).kind,
            StreamFrame::kBadContentLength);
  EXPECT_EQ(frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\nl: 0\r\n\r\n", 1000).kind,
            StreamFrame::kBadContentLength);
  EXPECT_EQ(frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", 1000).kind,
            StreamFrame::kBadContentLength);
}

TEST(StreamFramer, TooLarge) {
  // A body that would overrun the limit is known as soon as the headers end.
  EXPECT_EQ(frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n", 1000).kind,
            StreamFrame::kTooLarge);
  EXPECT_EQ(frame_stream("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\n", 1000).kind,
            StreamFrame::kTooLarge);
  // Headers that never end within the limit.
  EXPECT_EQ(frame_stream(std::string(1000, 'a'), 1000).kind, StreamFrame::kTooLarge);
  EXPECT_EQ(frame_stream(std::string(999, 'a'), 1000).kind, StreamFrame::kNeedMore);
}

TEST(StreamFramer, ExactlyAtTheLimit) {
  EXPECT_EQ(frame_stream(kOptions, kOptions.size()).kind, StreamFrame::kMessage);
  EXPECT_EQ(frame_stream(kOptions, kOptions.size() - 1).kind, StreamFrame::kTooLarge);
}

}  // namespace
}  // namespace sb::sip
