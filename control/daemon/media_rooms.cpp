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
//
// Creates are answered once the worker made the room or opened the party's
// ports (kSessionCreated), like media sessions, so a 201 means media flows.
#include <chrono>

#include "codecs/registry.hpp"
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

nlohmann::json DataplaneSubsystem::room_json(const LiveRoom& r) const {
  nlohmann::json parties = nlohmann::json::array();
  for (const auto& [id, p] : r.parties)
    if (!pending_mix_.count(id)) parties.push_back(party_json(p));
  return {{"id", std::to_string(r.info.id)},
          {"worker", r.info.worker},
          {"sample_rate", r.sample_rate},
          {"created_unix_ms", r.created_unix_ms},
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
  route_async(
      router, Method::kGet, "/api/v1/media/rooms",
      [this](const HttpRequest&, dataplane::MediaSessions&) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& [id, room] : rooms_)
          if (!pending_mix_.count(id)) list.push_back(room_json(room));
        return HttpResponse::json(200, {{"rooms", list}});
      },
      st);
  route_async(
      router, Method::kGet, "/api/v1/media/rooms/{id}",
      [this](const HttpRequest& req, dataplane::MediaSessions&) {
        const auto id = parse_media_id(req.param("id"));
        const auto room = id ? rooms_.find(*id) : rooms_.end();
        if (room == rooms_.end() || pending_mix_.count(*id)) return no_room(req.param("id"));
        return HttpResponse::json(200, room_json(room->second));
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
