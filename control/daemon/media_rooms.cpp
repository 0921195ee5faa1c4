// Conference rooms through the media API: an external SIP server (or any
// client) makes a room, adds parties (each a leg of its own: the far end's
// address and codec in, our local port for its SDP out), and every party
// hears the mix of the others in its own codec, never itself. The mixing
// is the worker's (MediaSessions::create_room / add_party); this file is
// the endpoints, the bookkeeping for GET, and the media.room.* events.
//
//   POST   /api/v1/media/rooms                        {"sample_rate": 8000 | 16000}
//   GET    /api/v1/media/rooms, /api/v1/media/rooms/{id}
//   DELETE /api/v1/media/rooms/{id}                   (with its parties)
//   POST   /api/v1/media/rooms/{id}/parties           a leg with "audio" required
//   DELETE /api/v1/media/rooms/{id}/parties/{party}
//   POST   /api/v1/media/rooms/{id}/recording          start (body: see parse_room_recording)
//   POST   /api/v1/media/rooms/{id}/recording/pause, .../resume
//   DELETE /api/v1/media/rooms/{id}/recording          stop
//
// Creates are answered once the worker made the room or opened the party's
// ports (kSessionCreated), like media sessions, so a 201 means media flows.
// A recording is answered once the recorder opened it and the worker was
// told; the file's end is the recorder's recording.finished/failed event,
// and the finished file is in /api/v1/recordings under its name.
#include <chrono>
#include <optional>

#include "codecs/registry.hpp"
#include "control/api/json_validation.hpp"
#include "control/daemon/dataplane_subsystem.hpp"

namespace sb::daemon {

namespace {

using api::HttpRequest;
using api::HttpResponse;
using api::Method;
using dataplane::Event;

HttpResponse no_room(const std::string& text) {
  return api::error_response(404, "not_found", "no mix room \"" + text + "\"", {{"id", "not a mix room id"}});
}

// POST /api/v1/media/rooms/{id}/recording, every field optional:
//   {"name": "room-7",            file stem (default room-<id>-<unix ms>)
//    "format": "wav-pcm16" | "wav-ulaw" | "ogg-opus",
//    "channels": 1 | 2,           default 2 with "left_party", else 1 (all mixed)
//    "left_party": "<party id>",  stereo: this party left, the others right
//    "sample_rate": 8000 | 16000} default the room's; 16000 only in a 16 kHz room
struct RoomRecordingBody {
  std::optional<std::string> name;
  recording::RecordingFormat format = recording::RecordingFormat::kWavPcm16;
  int channels = 1;
  std::string left_party;
  int sample_rate = 0;  // 0: the room's
};

std::variant<RoomRecordingBody, HttpResponse> parse_room_recording(const HttpRequest& req, int room_rate) {
  auto body = api::parse_json_body(req, /*empty_is_object=*/true);
  if (!body) return body.error();
  api::FieldErrors errors;
  RoomRecordingBody out;
  {
    api::ObjectReader r(*body, "", errors);
    out.name = r.string("name", api::Need::kOptional, 1, 200);
    if (auto f = r.choice<recording::RecordingFormat>("format", {{"wav-pcm16", recording::RecordingFormat::kWavPcm16},
                                                                 {"wav-ulaw", recording::RecordingFormat::kWavUlaw},
                                                                 {"ogg-opus", recording::RecordingFormat::kOggOpus}}))
      out.format = *f;
    if (auto v = r.string("left_party", api::Need::kOptional, 1, 32)) out.left_party = *v;
    out.channels = out.left_party.empty() ? 1 : 2;
    if (auto v = r.integer("channels", 1, 2)) out.channels = static_cast<int>(*v);
    if (auto v = r.integer("sample_rate", 8000, 16000)) {
      if (*v == 8000 || *v == room_rate) out.sample_rate = static_cast<int>(*v);
      else errors.add("sample_rate", "must be the room's rate (" + std::to_string(room_rate) + ") or 8000");
    }
  }
  if (out.name && out.name->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
                      std::string::npos)
    errors.add("name", "must be letters, digits, '.', '_' or '-' (a file stem, not a path)");
  if (out.channels == 2 && out.left_party.empty())
    errors.add("left_party", "is required for a stereo recording: the party heard on the left");
  if (out.channels == 1 && !out.left_party.empty())
    errors.add("left_party", "goes with a stereo recording (\"channels\": 2)");
  if (out.sample_rate == 0) out.sample_rate = room_rate;
  if (out.format == recording::RecordingFormat::kWavUlaw && out.sample_rate != 8000)
    errors.add("sample_rate", "wav-ulaw recordings are 8000 Hz (G.711)");
  if (!errors.empty()) return errors.response();
  return out;
}

}  // namespace

nlohmann::json DataplaneSubsystem::party_json(const LiveParty& p) const {
  const std::uint32_t ip = dataplane_ ? dataplane_->config().bind_ip : 0;
  nlohmann::json j = {{"id", std::to_string(p.info.id)},
                      {"room", std::to_string(p.info.owner)},
                      {"local", dataplane::to_string({ip, p.info.local_port})},
                      {"local_port", p.info.local_port},
                      {"codec", p.codec},
                      {"payload_type", p.payload_type},
                      {"remote", p.remote}};
  j["local_rtcp_port"] = p.info.local_rtcp_port ? nlohmann::json(p.info.local_rtcp_port) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json DataplaneSubsystem::room_json(const LiveRoom& r, std::optional<recording::RecordingId> recording) const {
  nlohmann::json parties = nlohmann::json::array();
  for (const auto& [id, p] : r.parties)
    if (!pending_mix_.count(id)) parties.push_back(party_json(p));
  return {{"id", std::to_string(r.info.id)},
          {"worker", r.info.worker},
          {"sample_rate", r.sample_rate},
          {"created_unix_ms", r.created_unix_ms},
          {"recording", recording ? nlohmann::json(std::to_string(*recording)) : nlohmann::json(nullptr)},
          {"parties", parties}};
}

void DataplaneSubsystem::on_mix_event(const Event& e) {
  const bool room = dataplane::is_room_id(e.session);
  // Supervisors' parties belong to call control (their owner is a call).
  if (!room && !dataplane::is_room_id(e.owner)) return;
  const auto pending = pending_mix_.find(e.session);
  std::shared_ptr<api::Responder> responder;
  if (pending != pending_mix_.end() && (e.kind == Event::kSessionCreated || e.kind == Event::kCommandFailed)) {
    responder = std::move(pending->second);
    pending_mix_.erase(pending);
  }
  const auto r = rooms_.find(room ? e.session : e.owner);
  const std::string id = std::to_string(e.session);
  switch (e.kind) {
    case Event::kSessionCreated:
      if (responder) {
        const LiveParty* party = nullptr;
        if (r != rooms_.end() && !room)
          if (const auto p = r->second.parties.find(e.session); p != r->second.parties.end()) party = &p->second;
        if (room && r != rooms_.end())
          (*responder)(HttpResponse::json(201, room_json(r->second)));
        else if (party)
          (*responder)(HttpResponse::json(201, party_json(*party)));
        else
          (*responder)(api::error_response(409, "conflict", "deleted before the worker had made it"));
      }
      if (ctx_.events) {
        if (room)
          ctx_.events->publish("media.room.created", {{"room", id}});
        else
          ctx_.events->publish("media.room.party_joined", {{"room", std::to_string(e.owner)}, {"party", id}});
      }
      return;
    case Event::kSessionDeleted:
      if (ctx_.events) {
        if (room)
          ctx_.events->publish("media.room.ended", {{"room", id}});
        else
          ctx_.events->publish("media.room.party_left", {{"room", std::to_string(e.owner)}, {"party", id}});
      }
      return;
    case Event::kCommandFailed:
      // Only a create still waiting is undone here: MediaSessions released
      // what the worker refused when it polled the failure.
      if (!responder) return;
      if (r != rooms_.end()) {
        if (room)
          rooms_.erase(r);
        else
          r->second.parties.erase(e.session);
      }
      (*responder)(api::error_response(503, "media_unavailable", std::string("the dataplane refused: ") + e.error));
      return;
    default:
      return;
  }
}

void DataplaneSubsystem::register_room_routes(api::Router& router, Status& st) {
  if (!st.is_ok()) return;
  st = router.add(Method::kPost, "/api/v1/media/rooms", [this](const HttpRequest& req, api::Responder respond) {
    auto body = api::parse_room_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    if (!accepting_.load(std::memory_order_relaxed))
      return respond(api::error_response(503, "draining", "the daemon is draining: no new rooms"));
    const int rate = std::get<api::RoomBody>(body).sample_rate;
    auto responder = std::make_shared<api::Responder>(std::move(respond));
    const bool queued = post([this, responder, rate](dataplane::MediaSessions& ms) {
      auto room = ms.create_room(rate);
      if (!room) return (*responder)(api::status_error_response(room.status()));
      rooms_[room->id] = {
          *room, rate, std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.clock->wall_now()).count(), {}};
      pending_mix_[room->id] = responder;
    });
    if (!queued)
      (*responder)(api::error_response(503, "unavailable", "the dataplane is not running or is busy; retry"));
  });
  if (!st.is_ok()) return;
  st = router.add(
      Method::kPost, "/api/v1/media/rooms/{id}/parties", [this](const HttpRequest& req, api::Responder respond) {
        auto body = api::parse_party_request(req);
        if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
        const auto id = parse_media_id(req.param("id"));
        if (!id) return respond(no_room(req.param("id")));
        auto responder = std::make_shared<api::Responder>(std::move(respond));
        auto leg = std::make_shared<api::MediaLegBody>(std::get<api::MediaLegBody>(std::move(body)));
        const std::string text = req.param("id");
        const bool queued = post([this, responder, leg, id, text](dataplane::MediaSessions& ms) {
          const auto room = rooms_.find(*id);
          if (room == rooms_.end() || pending_mix_.count(*id)) return (*responder)(no_room(text));
          const codecs::CodecDescriptor* codec = codecs::find_codec(leg->codec);
          dataplane::PartyRequest request;
          request.leg = leg_request(*leg);
          request.codec = {leg->audio_payload_type, codec ? codec->id : codecs::CodecId::kPcmu, 0};
          // What the party is sent runs on its codec's RTP clock, whatever the body said.
          request.leg.clock_rate = static_cast<std::uint32_t>(codec ? codec->rtp_clock_rate : 8000);
          auto party = ms.add_party(*id, request);
          if (!party) return (*responder)(api::status_error_response(party.status()));
          room->second.parties[party->id] = {
              *party, leg->codec, leg->audio_payload_type,
              leg->remote ? dataplane::to_string({leg->remote->ip, leg->remote->port}) : std::string()};
          pending_mix_[party->id] = responder;
        });
        if (!queued)
          (*responder)(api::error_response(503, "unavailable", "the dataplane is not running or is busy; retry"));
      });
  // ---- a room's recording ----
  route_async(
      router, Method::kPost, "/api/v1/media/rooms/{id}/recording",
      [this](const HttpRequest& req, dataplane::MediaSessions& ms) {
        const auto id = parse_media_id(req.param("id"));
        const auto room = id ? rooms_.find(*id) : rooms_.end();
        if (room == rooms_.end() || pending_mix_.count(*id)) return no_room(req.param("id"));
        auto parsed = parse_room_recording(req, room->second.sample_rate);
        if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
        const auto& body = std::get<RoomRecordingBody>(parsed);
        if (ms.room_recording(*id))
          return api::error_response(409, "conflict", "the room is already being recorded: stop it first",
                                     {{"id", "a room being recorded"}});
        dataplane::PartyId left = 0;
        if (body.channels == 2) {
          const auto party = parse_media_id(body.left_party);
          if (!party || !room->second.parties.count(*party))
            return api::error_response(422, "invalid_request", "left_party is not a party of this room",
                                       {{"left_party", "not a party of the room"}});
          left = *party;
        }
        const std::int64_t now_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.clock->wall_now()).count();
        recording::RecordingSpec spec;
        spec.name = body.name ? *body.name : "room-" + req.param("id") + "-" + std::to_string(now_ms);
        spec.format = body.format;
        spec.channels = body.channels;
        spec.sample_rate = body.sample_rate;
        nlohmann::json parties = nlohmann::json::array();
        for (const auto& [pid, p] : room->second.parties)
          parties.push_back({{"id", std::to_string(pid)}, {"codec", p.codec}, {"remote", p.remote}});
        spec.metadata = {{"room", req.param("id")},
                         {"room_sample_rate", room->second.sample_rate},
                         {"parties_at_start", parties}};
        if (left)
          spec.metadata["layout"] = {{"left", body.left_party}, {"right", "every other party"}};
        else
          spec.metadata["layout"] = "every party mixed";
        const std::string name = spec.name;
        auto rec = ms.start_room_recording(*id, std::move(spec), left);
        if (!rec) {
          // The room's state was checked above: what is left is the name.
          if (rec.status().code() == StatusCode::kAlreadyExists)
            return api::error_response(409, "conflict", rec.status().message(), {{"name", "a recording of that name exists"}});
          return api::status_error_response(rec.status());
        }
        return HttpResponse::json(201, {{"room", req.param("id")},
                                        {"recording", std::to_string(*rec)},
                                        {"name", name},
                                        {"file", name + std::string(recording::format_extension(body.format))},
                                        {"format", std::string(recording::format_name(body.format))},
                                        {"channels", body.channels},
                                        {"sample_rate", body.sample_rate},
                                        {"left_party", left ? nlohmann::json(body.left_party) : nlohmann::json(nullptr)}});
      },
      st);
  struct Action {
    Method method;
    const char* path;
    Status (dataplane::MediaSessions::*apply)(dataplane::RoomId);
    const char* done;
  };
  for (const Action& a : {Action{Method::kPost, "/api/v1/media/rooms/{id}/recording/pause",
                                 &dataplane::MediaSessions::pause_room_recording, "paused"},
                          Action{Method::kPost, "/api/v1/media/rooms/{id}/recording/resume",
                                 &dataplane::MediaSessions::resume_room_recording, "resumed"},
                          Action{Method::kDelete, "/api/v1/media/rooms/{id}/recording",
                                 &dataplane::MediaSessions::stop_room_recording, "stopped"}}) {
    route_async(
        router, a.method, a.path,
        [this, a](const HttpRequest& req, dataplane::MediaSessions& ms) {
          const auto id = parse_media_id(req.param("id"));
          const auto room = id ? rooms_.find(*id) : rooms_.end();
          if (room == rooms_.end() || pending_mix_.count(*id)) return no_room(req.param("id"));
          const auto rec = ms.room_recording(*id);
          if (!rec)
            return api::error_response(409, "conflict", "the room is not being recorded",
                                       {{"id", "a room without a recording"}});
          const Status s = (ms.*a.apply)(*id);
          if (!s.is_ok()) return api::status_error_response(s);
          return HttpResponse::json(200, {{"room", req.param("id")}, {"recording", std::to_string(*rec)}, {a.done, true}});
        },
        st);
  }
  route_async(
      router, Method::kGet, "/api/v1/media/rooms",
      [this](const HttpRequest&, dataplane::MediaSessions& ms) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& [id, room] : rooms_)
          if (!pending_mix_.count(id)) list.push_back(room_json(room, ms.room_recording(id)));
        return HttpResponse::json(200, {{"rooms", list}});
      },
      st);
  route_async(
      router, Method::kGet, "/api/v1/media/rooms/{id}",
      [this](const HttpRequest& req, dataplane::MediaSessions& ms) {
        const auto id = parse_media_id(req.param("id"));
        const auto room = id ? rooms_.find(*id) : rooms_.end();
        if (room == rooms_.end() || pending_mix_.count(*id)) return no_room(req.param("id"));
        return HttpResponse::json(200, room_json(room->second, ms.room_recording(*id)));
      },
      st);
  route_async(
      router, Method::kDelete, "/api/v1/media/rooms/{id}",
      [this](const HttpRequest& req, dataplane::MediaSessions& ms) {
        const auto id = parse_media_id(req.param("id"));
        const auto room = id ? rooms_.find(*id) : rooms_.end();
        if (room == rooms_.end()) return no_room(req.param("id"));
        const Status s = ms.remove_room(*id);
        if (!s.is_ok()) return api::status_error_response(s);
        rooms_.erase(room);
        return HttpResponse::json(200, {{"id", req.param("id")}, {"deleted", true}});
      },
      st);
  route_async(
      router, Method::kDelete, "/api/v1/media/rooms/{id}/parties/{party}",
      [this](const HttpRequest& req, dataplane::MediaSessions& ms) {
        const auto id = parse_media_id(req.param("id"));
        const auto room = id ? rooms_.find(*id) : rooms_.end();
        if (room == rooms_.end()) return no_room(req.param("id"));
        const auto party_id = parse_media_id(req.param("party"));
        const auto party = party_id ? room->second.parties.find(*party_id) : room->second.parties.end();
        if (party == room->second.parties.end())
          return api::error_response(404, "not_found", "no party \"" + req.param("party") + "\" in this room",
                                     {{"party", "not a party of the room"}});
        const Status s = ms.remove_party(*party_id);
        if (!s.is_ok()) return api::status_error_response(s);
        room->second.parties.erase(party);
        return HttpResponse::json(200, {{"id", req.param("party")}, {"deleted", true}});
      },
      st);
}

}  // namespace sb::daemon
