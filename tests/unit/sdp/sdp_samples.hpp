// Offers in the shape real peers send them (softphones, PBXs, a carrier
// SBC), written for these tests. Written with LF; crlf() gives the wire form.
#pragma once

#include <string>
#include <string_view>

namespace sb::sdp::samples {

inline std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// A desktop softphone: static G.711/G.722, Opus, RFC 4733, some RTCP extras.
inline constexpr std::string_view kSoftphone = R"(v=0
o=- 1839481245 2791043125 IN IP4 192.168.1.34
s=-
c=IN IP4 192.168.1.34
t=0 0
m=audio 10306 RTP/AVP 0 8 9 111 101
b=AS:107
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:9 G722/8000
a=rtpmap:111 opus/48000/2
a=fmtp:111 stereo=1;sprop-stereo=1
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=rtcp-rsize
a=ssrc:3847593027 cname:c1a4f5e0-2b7d-4e55-8d11-5cbd2a0e7f41
a=sendrecv
a=ptime:20
)";

// A mobile softphone: Opus at PT 96, speex, three telephone-event clocks,
// RTCP-XR at session level and a video stream.
inline constexpr std::string_view kMobile = R"(v=0
o=alice 3102 1421 IN IP4 10.0.2.15
s=Talk
c=IN IP4 10.0.2.15
t=0 0
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
a=record:off
m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100
a=rtpmap:96 opus/48000/2
a=fmtp:96 useinbandfec=1
a=rtpmap:97 speex/16000
a=fmtp:97 vbr=on
a=rtpmap:98 speex/8000
a=fmtp:98 vbr=on
a=fmtp:18 annexb=yes
a=rtpmap:101 telephone-event/48000
a=rtpmap:99 telephone-event/16000
a=rtpmap:100 telephone-event/8000
a=rtcp-fb:* trr-int 1000
a=rtcp-fb:* ccm tmmbr
m=video 9078 RTP/AVP 102
a=rtpmap:102 VP8/90000
a=rtcp-fb:102 nack pli
a=rtcp-fb:102 ccm fir
)";

// A PBX offering G.722 first, with maxptime.
inline constexpr std::string_view kPbx = R"(v=0
o=- 1680532894 1680532895 IN IP4 203.0.113.10
s=Asterisk
c=IN IP4 203.0.113.10
t=0 0
m=audio 14506 RTP/AVP 9 0 8 101
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendrecv
)";

// A soft switch: Opus at PT 102 with a spaced fmtp, telephone-event at both
// clocks, comfort noise.
inline constexpr std::string_view kSoftSwitch = R"(v=0
o=FreeSWITCH 1706784000 1706784001 IN IP4 198.51.100.7
s=FreeSWITCH
c=IN IP4 198.51.100.7
t=0 0
m=audio 24580 RTP/AVP 102 9 0 8 103 101 13
a=rtpmap:102 opus/48000/2
a=fmtp:102 useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:103 telephone-event/48000
a=fmtp:103 0-16
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtpmap:13 CN/8000
a=ptime:20
)";

// A carrier SBC: static payload types without rtpmap, G.729 first, RTCP
// on an explicit port and address.
inline constexpr std::string_view kCarrier = R"(v=0
o=SBC 28462 28463 IN IP4 192.0.2.50
s=SIP Media Capabilities
c=IN IP4 192.0.2.50
t=0 0
m=audio 40012 RTP/AVP 18 0 8 101
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=rtcp:40013 IN IP4 192.0.2.51
a=ptime:20
a=maxptime:20
a=sendrecv
)";

// A browser gateway: DTLS-SRTP only, with BUNDLE and ICE.
inline constexpr std::string_view kWebRtc = R"(v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0
a=msid-semantic: WMS
m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:Xk3v
a=ice-pwd:4fL7cq0dfB0Y2Lzp5r7JvS1m
a=fingerprint:sha-256 7B:1F:8C:22:AA:54:0E:19:6D:3A:90:BC:11:F2:4E:88:D0:0C:35:27:6B:AF:92:17:4C:E8:51:09:3D:C6:7A:20
a=setup:actpass
a=mid:0
a=sendrecv
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:126 telephone-event/8000
)";

}  // namespace sb::sdp::samples
