#include "tests/support/baresip.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "tests/support/process.hpp"

namespace sb::test {

namespace {

constexpr const char* kModules = "/usr/lib/baresip/modules";

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

bool bindable(std::uint16_t port, int type) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a = loopback(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Where the phones' SIP and control ports are picked: clear of the media
// port ranges of the tests' dataplanes (10000-17999 and 31000-31999; the
// embedded default's 20000-29999) and of baresip's RTP range
// (46000-46999), so a dataplane of a test running alongside never takes
// a phone's port between its choice and the phone's bind.
constexpr std::uint16_t kPhonePortsFirst = 50000;
constexpr std::uint16_t kPhonePortsCount = 10000;

std::uint16_t random_phone_port() {
  static std::mt19937 rng{std::random_device{}()};
  return static_cast<std::uint16_t>(kPhonePortsFirst + rng() % kPhonePortsCount);
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

bool prepare_dir(const std::string& dir, const std::string& config, const std::string& account) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return !ec && write_text(dir + "/config", config) && write_text(dir + "/accounts", account + "\n");
}

}  // namespace

bool have_baresip() {
  return have_program("baresip") && std::filesystem::exists(std::string(kModules) + "/ctrl_tcp.so");
}

std::vector<std::uint16_t> spaced_free_ports(std::size_t count) {
  std::vector<std::uint16_t> ports;
  while (ports.size() < count) {
    const std::uint16_t p = random_phone_port();
    bool near = !bindable(p, SOCK_DGRAM) || !bindable(p, SOCK_STREAM) ||
                !bindable(static_cast<std::uint16_t>(p + 1), SOCK_STREAM);
    for (auto q : ports) near = near || (p > q ? p - q : q - p) < 3;
    if (!near) ports.push_back(p);
  }
  return ports;
}

std::string Baresip::config(const BaresipOptions& o) {
  return "sip_listen " + o.address + ":" + std::to_string(o.sip_port) + "\nnet_interface " + o.address + "\n" +
         // Clear of the media port ranges the tests' dataplanes use.
         "rtp_ports 46000-46999\n" +
         "audio_source ausine," + std::to_string(o.tone_hz) + "\n"
         // ausine produces 48 kHz stereo only; baresip resamples to G.711.
         "ausrc_srate 48000\nausrc_channels 2\n"
         "audio_player aubridge,sink\n"
         "audio_alert aubridge,sink\n"
         "module_path " + kModules + "\n"
         "module g711.so\nmodule ausine.so\nmodule aubridge.so\n"
         "module_app account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\n"
         "ctrl_tcp_listen 127.0.0.1:" + std::to_string(o.ctrl_port) + "\n";
}

Baresip::Baresip(const std::string& dir, const BaresipOptions& options)
    : options_(options),
      dir_ready_(prepare_dir(dir, config(options), options.account)),
      process_({"baresip", "-f", dir, "-s"}) {}

bool Baresip::command(const std::string& command, const std::string& params) {
  if (!dir_ready_) return false;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(options_.ctrl_port);
  bool ok = false;
  // baresip opens its control port after loading its modules, which on a
  // loaded machine (tests running side by side) can take several seconds.
  for (int i = 0; i < 200 && !ok; ++i) {
    ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (ok) {
    const std::string json = R"({"command":")" + command + R"(","params":")" + params + R"(","token":"t"})";
    const std::string netstring = std::to_string(json.size()) + ":" + json + ",";
    ok = ::write(fd, netstring.data(), netstring.size()) == static_cast<ssize_t>(netstring.size());
    char buf[512];
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)::read(fd, buf, sizeof buf);  // the response; its content is not needed
  }
  ::close(fd);
  return ok;
}

void Baresip::stop(int sig) { process_.signal(sig); }

StereoWav read_stereo_wav(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  StereoWav wav;
  const auto fmt = data.find("fmt ");
  if (fmt != std::string::npos && fmt + 16 <= data.size()) {
    std::uint32_t rate = 0;
    std::memcpy(&rate, data.data() + fmt + 12, 4);
    wav.sample_rate = static_cast<int>(rate);
  }
  const auto at = data.find("data");
  if (at == std::string::npos) return wav;
  for (std::size_t i = at + 8; i + 4 <= data.size(); i += 4) {
    std::int16_t a, b;
    std::memcpy(&a, data.data() + i, 2);
    std::memcpy(&b, data.data() + i + 2, 2);
    wav.left.push_back(a);
    wav.right.push_back(b);
  }
  return wav;
}

std::pair<double, double> wav_channel_levels(const std::string& path) {
  const StereoWav wav = read_stereo_wav(path);
  const auto mean_abs = [](const std::vector<std::int16_t>& v) {
    double sum = 0;
    for (auto x : v) sum += std::abs(x);
    return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
  };
  return {mean_abs(wav.left), mean_abs(wav.right)};
}

double dominant_frequency(const std::vector<std::int16_t>& samples, int sample_rate) {
  // Counted over 20 ms blocks carrying audio only: silence before a leg's
  // audio starts (and its noise) would otherwise skew the rate.
  const std::size_t block = static_cast<std::size_t>(sample_rate / 50);
  if (block == 0) return 0.0;
  std::vector<double> level;
  for (std::size_t b = 0; b + block <= samples.size(); b += block) {
    double sum = 0;
    for (std::size_t i = b; i < b + block; ++i) sum += std::abs(samples[i]);
    level.push_back(sum / static_cast<double>(block));
  }
  double loudest = 0;
  for (double l : level) loudest = std::max(loudest, l);
  std::size_t crossings = 0, counted = 0;
  for (std::size_t k = 0; k < level.size(); ++k) {
    if (loudest == 0 || level[k] < loudest / 4) continue;
    counted += block;
    for (std::size_t i = k * block + 1; i < (k + 1) * block; ++i)
      if ((samples[i - 1] < 0) != (samples[i] < 0)) ++crossings;
  }
  return counted == 0 ? 0.0 : static_cast<double>(crossings) * sample_rate / 2.0 / static_cast<double>(counted);
}

}  // namespace sb::test
