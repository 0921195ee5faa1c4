// SDP session descriptions (RFC 4566): the media half of every SIP call.
//
// A call's INVITE, 200 OK and re-INVITEs carry an SDP body that says where
// each side wants its RTP sent and which codecs it takes. The bytes come
// from the network (carriers, SBCs, softphones), so parse() is strict and
// bounded: it either returns an owning SessionDescription in which every
// field the media side relies on has been checked (ports, payload types,
// rtpmaps, addresses, a connection for every active stream), or a Status
// that names the line and the field that were wrong. It never throws.
// offer_answer.hpp turns a parsed offer into an answer and the parameters
// the dataplane needs.
//
//   auto sdp = sdp::parse(body);
//   if (!sdp) return reply_400(sdp.status().message());
//   for (const auto& m : sdp->media) ...
//   std::string out = sdp::serialize(*sdp);   // CRLF line endings
//
// What is kept: every line type of RFC 4566, the attributes offer/answer
// needs in parsed form (rtpmap, fmtp, ptime, maxptime, direction, rtcp,
// rtcp-mux, mid) and any other attribute as a name and raw value, so an SDP
// can be forwarded or re-serialised without losing ICE, crypto or BUNDLE
// lines we do not act on. Attribute order between different kinds is not
// kept (the serialiser writes a canonical order); order within a kind is.
//
// Tolerated on purpose, because real peers send them: LF instead of CRLF,
// a missing final line ending, empty lines at the end, trailing spaces or
// tabs after structured fields, an empty s=, omitted c= on a rejected
// (port 0) stream, rtpmap lines for formats the m= line does not list.
#pragma once

#include "common/ascii.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace sb::sdp {

enum class AddrType { kIp4, kIp6 };
std::string_view addr_type_name(AddrType t) noexcept;  // "IP4" / "IP6"

// Stream direction (RFC 3264 §5.1), from the point of view of the side
// that wrote the SDP.
enum class Direction { kSendRecv, kSendOnly, kRecvOnly, kInactive };
std::string_view direction_name(Direction d) noexcept;  // the attribute name, "sendrecv" ...
inline bool sends(Direction d) noexcept { return d == Direction::kSendRecv || d == Direction::kSendOnly; }
inline bool receives(Direction d) noexcept { return d == Direction::kSendRecv || d == Direction::kRecvOnly; }
Direction make_direction(bool send, bool recv) noexcept;
// The other side's view of the same stream: sendonly <-> recvonly.
Direction reverse(Direction d) noexcept;

// o=<username> <sess-id> <sess-version> IN <addrtype> <address>
struct Origin {
  std::string username = "-";
  std::string session_id = "0";        // 1*DIGIT, kept as text: peers send more than 64 bits
  std::uint64_t session_version = 0;
  AddrType addr_type = AddrType::kIp4;
  std::string address;
  bool operator==(const Origin&) const = default;
};

// c=IN <addrtype> <address>[/<ttl>][/<count>]; ttl and count only matter
// for multicast, which the media side does not do, but are kept.
struct Connection {
  AddrType addr_type = AddrType::kIp4;
  std::string address;
  std::optional<std::uint32_t> ttl;
  std::optional<std::uint32_t> count;
  bool operator==(const Connection&) const = default;
};

// b=<bwtype>:<kbps or bps>. AS and CT are kbit/s, TIAS bit/s (RFC 3890);
// other types are kept as written.
struct Bandwidth {
  std::string type;
  std::uint64_t value = 0;
  bool operator==(const Bandwidth&) const = default;
};

// t=<start> <stop> with its r= lines (kept raw).
struct Timing {
  std::uint64_t start = 0;
  std::uint64_t stop = 0;
  std::vector<std::string> repeats;
  bool operator==(const Timing&) const = default;
};

// a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]
struct RtpMap {
  int payload_type = 0;
  std::string encoding;
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 1;          // audio only; 1 when not written
  bool operator==(const RtpMap&) const = default;
};

// a=fmtp:<format> <parameters>. `raw` is what the peer wrote (and what is
// re-serialised); `params` splits it on ';' into trimmed key=value pairs
// (a parameter without '=', like telephone-event's "0-16", has an empty
// value).
struct Fmtp {
  std::string format;
  std::string raw;
  std::vector<std::pair<std::string, std::string>> params;
  // The value of `key` (case-insensitive), if present.
  std::optional<std::string_view> param(std::string_view key) const noexcept;
  bool operator==(const Fmtp& o) const { return format == o.format && raw == o.raw; }
};

// a=rtcp:<port> [IN <addrtype> <address>] (RFC 3605).
struct RtcpAttribute {
  std::uint16_t port = 0;
  std::optional<Connection> connection;
  bool operator==(const RtcpAttribute&) const = default;
};

// Any attribute without parsed form: a=<name>[:<value>].
struct Attribute {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Attribute&) const = default;
};

struct MediaDescription {
  std::string media;                   // audio, video, text, application, message, image
  std::uint16_t port = 0;              // 0: the stream is rejected / disabled
  std::uint16_t port_count = 1;        // m=audio 49170/2 ...
  std::string proto;                   // RTP/AVP, RTP/SAVP, RTP/AVPF, UDP/TLS/RTP/SAVPF, udptl ...
  std::vector<std::string> formats;    // as written
  std::vector<int> payload_types;      // the formats as numbers, for RTP protos only
  std::optional<std::string> info;     // i=
  std::optional<Connection> connection;
  std::vector<Bandwidth> bandwidths;
  std::optional<std::string> key;      // k= (obsolete, kept)
  std::vector<RtpMap> rtpmaps;
  std::vector<Fmtp> fmtps;
  std::optional<std::uint32_t> ptime;  // ms
  std::optional<std::uint32_t> maxptime;
  std::optional<Direction> direction;  // only when written at media level
  std::optional<RtcpAttribute> rtcp;
  bool rtcp_mux = false;
  std::optional<std::string> mid;
  std::vector<Attribute> attributes;   // everything else, in order

  bool is_rtp() const noexcept;        // proto contains "RTP/" (AVP, SAVP, AVPF, SAVPF, over DTLS)
  // The rtpmap for `pt`, else the RFC 3551 static assignment for it.
  std::optional<RtpMap> codec(int pt) const;
  const Fmtp* fmtp(int pt) const noexcept;
  const Attribute* attribute(std::string_view name) const noexcept;
  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription {
  Origin origin;
  std::string session_name;
  std::optional<std::string> info;     // i=
  std::optional<std::string> uri;      // u=
  std::vector<std::string> emails;     // e=
  std::vector<std::string> phones;     // p=
  std::optional<Connection> connection;
  std::vector<Bandwidth> bandwidths;
  std::vector<Timing> timings;         // at least one
  std::optional<std::string> zone_adjustments;  // z=
  std::optional<std::string> key;      // k=
  std::optional<Direction> direction;  // session-level default for the streams
  std::vector<Attribute> attributes;
  std::vector<MediaDescription> media;

  // The media section's direction, else the session's, else sendrecv.
  Direction direction_of(const MediaDescription& m) const noexcept;
  // The media section's c=, else the session's; null when neither.
  const Connection* connection_of(const MediaDescription& m) const noexcept;
  const Attribute* attribute(std::string_view name) const noexcept;
  bool operator==(const SessionDescription&) const = default;
};

// Bounds on what parse() accepts: an SDP body is small, and a peer that
// sends a megabyte of it is either broken or hostile.
struct ParseLimits {
  std::size_t max_bytes = 32 * 1024;
  std::size_t max_lines = 1024;
  std::size_t max_line_length = 4096;
  std::size_t max_media = 16;
  std::size_t max_formats = 64;        // per m= line
};

// Errors: invalid-argument naming the line number and field for any
// syntax or range error ("line 7 (m=): port 70000 is out of range");
// resource-exhausted when a limit is exceeded.
Result<SessionDescription> parse(std::string_view text, const ParseLimits& limits = {});

// Writes `sdp` with CRLF line endings, in RFC 4566 line order. The input
// is trusted (built by us or returned by parse()).
std::string serialize(const SessionDescription& sdp);

// The RFC 3551 static payload types (0 PCMU/8000, 8 PCMA/8000, 9 G722/8000,
// 18 G729/8000 ...), which need no rtpmap. nullopt for dynamic (96..127)
// and unassigned numbers.
std::optional<RtpMap> static_payload_type(int pt);

using sb::iequals;  // common/ascii.hpp

}  // namespace sb::sdp
