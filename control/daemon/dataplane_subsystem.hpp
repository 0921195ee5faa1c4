// The dataplane inside the daemon: starts the workers from [dataplane]
// (kernel sockets on the configured address, or DPDK) with the recorder
// from [recordings], serves the media-session endpoints an external SIP
// server drives the media plane with (/api/v1/media/sessions, offer/answer
// style), turns the workers' events into CTI events (media.dtmf,
// media.timeout, media.first_packet, media.source_latched,
// media.playback_done), and exposes the workers' counters on /metrics,
// summed over cores at scrape time.
//
// Conference rooms (media_rooms.cpp): /api/v1/media/rooms and their
// parties, mixed in the workers (each party hears the others, not itself),
// with media.room.* events.
//
// MediaSessions must be driven from one thread. That thread is this
// subsystem's "media control" thread: API handlers hand it their work
// through a lock-free MPSC queue and it answers them (Responder) when the
// work is done; between tasks it polls the workers' event rings.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#include <thread>

#include "common/queues.hpp"
#include "control/api/media_requests.hpp"
#include "control/daemon/daemon.hpp"
#include "dataplane/media_sessions.hpp"

namespace sb::daemon {

// What runs on the media control thread besides the API's tasks: call
// control, which drives MediaSessions and so must live on that thread.
class MediaController {
 public:
  virtual ~MediaController() = default;
  // Every worker event, before it is published on the event stream.
  virtual void on_media_event(const dataplane::Event& e, dataplane::MediaSessions& ms) = 0;
  virtual void on_recording_event(const recording::RecorderEvent& e) = 0;
  // Each loop of the thread (at most ~2 ms apart): timers.
  virtual void on_tick(dataplane::MediaSessions& ms) = 0;
};

// Shared by the media endpoints (dataplane_subsystem.cpp, media_rooms.cpp).
// A 64-bit id as JSON carries it (a decimal string); nullopt when it is not one.
std::optional<std::uint64_t> parse_media_id(const std::string& text);
// A leg of the media API as the dataplane takes it.
dataplane::LegRequest leg_request(const api::MediaLegBody& body);

class DataplaneSubsystem final : public Subsystem {
 public:
  explicit DataplaneSubsystem(DaemonContext& context);
  ~DataplaneSubsystem() override;

  std::string_view name() const override { return "dataplane"; }
  Status register_routes(api::Router& router) override;
  Status start(std::shared_ptr<const config::DaemonConfig> config) override;
  Status check_reload(const config::DaemonConfig& current, const config::DaemonConfig& next,
                      std::vector<std::string>& notes) override;
  void apply_reload(std::shared_ptr<const config::DaemonConfig>) override {}
  void stop_accepting() override { accepting_.store(false, std::memory_order_relaxed); }
  std::uint64_t live_work() const override { return sessions_.load(std::memory_order_relaxed); }
  void stop() override;
  std::vector<std::string> banner() const override;

  // Runs `task` on the media control thread (the only one that may touch
  // MediaSessions). False when the queue is full or the thread is not running.
  bool post(std::function<void(dataplane::MediaSessions&)> task);
  // Answers `respond` with what `fn` returns on the media control thread;
  // when it cannot be queued, at once with 503 saying `who` (the part of the
  // daemon the client asked) is not running or is busy.
  void respond_on_media_thread(api::Responder respond,
                               std::function<api::HttpResponse(dataplane::MediaSessions&)> fn, std::string_view who);
  // Set before start(); runs on the media control thread.
  void set_controller(MediaController* controller) { controller_ = controller; }
  // Null before start(). The recorder is thread-safe to start recordings
  // on (MediaSessions::start_recording does) from the media thread.
  dataplane::Dataplane* dataplane() noexcept { return dataplane_.get(); }

 private:
  struct Task {
    std::function<void(dataplane::MediaSessions&)> fn;
  };
  struct LiveSession {
    dataplane::SessionInfo info;
    std::int64_t created_unix_ms = 0;
  };
  void run_media_thread();
  void publish(const dataplane::Event& e);
  void answer_create(const dataplane::Event& e, dataplane::MediaSessions& ms);
  nlohmann::json session_json(dataplane::SessionId id) const;  // media control thread
  void route_async(api::Router& router, api::Method method, const std::string& path,
                   std::function<api::HttpResponse(const api::HttpRequest&, dataplane::MediaSessions&)> fn,
                   Status& status);
  // Conference rooms (media_rooms.cpp); media control thread.
  struct LiveParty {
    dataplane::PartyInfo info;
    std::string codec;
    std::uint8_t payload_type = 0;
    std::string remote;
  };
  struct LiveRoom {
    dataplane::RoomInfo info;
    int sample_rate = 8000;
    std::int64_t created_unix_ms = 0;
    std::map<dataplane::PartyId, LiveParty> parties;
  };
  void register_room_routes(api::Router& router, Status& status);
  // A worker event naming a room or a party: answers pending creates,
  // forgets what the worker refused, publishes media.room.* events.
  void on_mix_event(const dataplane::Event& e);
  // `recording`: the room's recording in progress (MediaSessions knows).
  nlohmann::json room_json(const LiveRoom& room, std::optional<recording::RecordingId> recording = std::nullopt) const;
  nlohmann::json party_json(const LiveParty& party) const;
  std::map<dataplane::RoomId, LiveRoom> rooms_;  // media control thread only
  // Room and party creates, answered at the worker's kSessionCreated or kCommandFailed.
  std::map<std::uint64_t, std::shared_ptr<api::Responder>> pending_mix_;

  DaemonContext& ctx_;
  std::shared_ptr<const config::DaemonConfig> config_;
  std::unique_ptr<dataplane::Dataplane> dataplane_;
  MpscQueue<Task*> tasks_{4096};
  std::thread media_thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<bool> accepting_{true};
  std::atomic<std::uint64_t> sessions_{0};
  std::map<dataplane::SessionId, LiveSession> live_;  // media control thread only
  // Creates answered once the worker has opened the ports (kSessionCreated)
  // or refused (kCommandFailed): a 201 means media can flow.
  std::map<dataplane::SessionId, std::shared_ptr<api::Responder>> pending_creates_;
  std::shared_ptr<metrics::Collector> collector_;
  std::shared_ptr<metrics::Collector> recorder_collector_;
  std::shared_ptr<metrics::Collector> quality_collector_;
  MediaController* controller_ = nullptr;
};

}  // namespace sb::daemon
