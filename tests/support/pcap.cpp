#include "tests/support/pcap.hpp"

#include <cstdio>
#include <cstring>

namespace sb::test {

namespace {

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  put16(b, at, static_cast<std::uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<std::uint16_t>(v));
}

}  // namespace

bool write_pcap(const std::string& path, const std::vector<CapturedDatagram>& datagrams) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  // Global header, host byte order (readers detect it from the magic):
  // microsecond timestamps, snap length 65535, link type 101 (raw IP).
  const std::uint32_t magic = 0xa1b2c3d4, snaplen = 65535, linktype = 101;
  const std::uint16_t major = 2, minor = 4;
  const std::int32_t zone = 0;
  const std::uint32_t sigfigs = 0;
  bool ok = std::fwrite(&magic, 4, 1, f) == 1 && std::fwrite(&major, 2, 1, f) == 1 && std::fwrite(&minor, 2, 1, f) == 1 &&
            std::fwrite(&zone, 4, 1, f) == 1 && std::fwrite(&sigfigs, 4, 1, f) == 1 &&
            std::fwrite(&snaplen, 4, 1, f) == 1 && std::fwrite(&linktype, 4, 1, f) == 1;
  std::uint16_t ip_id = 0;
  for (const auto& d : datagrams) {
    std::vector<std::uint8_t> pkt(28 + d.payload.size());
    pkt[0] = 0x45;  // IPv4, 20-byte header
    put16(pkt, 2, static_cast<std::uint16_t>(pkt.size()));
    put16(pkt, 4, ip_id++);
    pkt[8] = 64;    // TTL
    pkt[9] = 17;    // UDP
    put32(pkt, 12, d.src_ip);
    put32(pkt, 16, d.dst_ip);
    std::uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(pkt[static_cast<std::size_t>(i)] << 8 | pkt[static_cast<std::size_t>(i) + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    put16(pkt, 10, static_cast<std::uint16_t>(~sum));
    put16(pkt, 20, d.src_port);
    put16(pkt, 22, d.dst_port);
    put16(pkt, 24, static_cast<std::uint16_t>(8 + d.payload.size()));
    // UDP checksum 0: not computed (allowed for IPv4).
    if (!d.payload.empty()) std::memcpy(pkt.data() + 28, d.payload.data(), d.payload.size());
    const std::uint32_t sec = static_cast<std::uint32_t>(d.time_ns / 1'000'000'000);
    const std::uint32_t usec = static_cast<std::uint32_t>(d.time_ns % 1'000'000'000 / 1000);
    const std::uint32_t len = static_cast<std::uint32_t>(pkt.size());
    ok = ok && std::fwrite(&sec, 4, 1, f) == 1 && std::fwrite(&usec, 4, 1, f) == 1 && std::fwrite(&len, 4, 1, f) == 1 &&
         std::fwrite(&len, 4, 1, f) == 1 && std::fwrite(pkt.data(), 1, pkt.size(), f) == pkt.size();
  }
  return std::fclose(f) == 0 && ok;
}

}  // namespace sb::test
