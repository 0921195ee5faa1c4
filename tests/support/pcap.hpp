// Writes UDP datagrams received by a test into a pcap file (raw IPv4
// link type), so Wireshark's analysers (tshark -z rtp,streams) can judge
// the streams a test peer received without capturing on an interface,
// which needs privileges tests do not have.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sb::test {

struct CapturedDatagram {
  std::int64_t time_ns = 0;     // any epoch; only differences matter
  std::uint32_t src_ip = 0, dst_ip = 0;  // host byte order
  std::uint16_t src_port = 0, dst_port = 0;
  std::vector<std::uint8_t> payload;
};

// False when the file cannot be written.
bool write_pcap(const std::string& path, const std::vector<CapturedDatagram>& datagrams);

}  // namespace sb::test
