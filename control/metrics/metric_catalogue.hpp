// Every metric Switchboard exposes or will expose, in one place.
//
// Names follow Prometheus conventions: the `switchboard_` prefix, `_total`
// on counters, base units in the name (`_seconds`, `_bytes`, `_ratio`).
// Process metrics keep the standard `process_*` names every Prometheus
// client library uses, so generic dashboards and alerts work unchanged.
// docs/metrics.md documents each entry; tests check that the docs, the
// Grafana dashboard and the alert rules use only names listed here, and that
// the daemon exposes every metric whose source is built.
#pragma once

#include <array>

#include "control/metrics/metric_spec.hpp"

namespace sb::metrics::catalogue {

using enum MetricType;
using enum MetricSource;

// ---- process (/proc/self) -------------------------------------------------
inline constexpr MetricSpec process_cpu_seconds{"process_cpu_seconds_total", kCounter, "", "seconds",
                                                "Total user and system CPU time spent in seconds.", kProcess};
inline constexpr MetricSpec process_resident_memory{"process_resident_memory_bytes", kGauge, "", "bytes",
                                                    "Resident memory size in bytes.", kProcess};
inline constexpr MetricSpec process_virtual_memory{"process_virtual_memory_bytes", kGauge, "", "bytes",
                                                   "Virtual memory size in bytes.", kProcess};
inline constexpr MetricSpec process_open_fds{"process_open_fds", kGauge, "", "", "Number of open file descriptors.",
                                             kProcess};
inline constexpr MetricSpec process_max_fds{"process_max_fds", kGauge, "", "",
                                            "Maximum number of open file descriptors.", kProcess};
inline constexpr MetricSpec process_start_time{"process_start_time_seconds", kGauge, "", "seconds",
                                               "Start time of the process since the Unix epoch in seconds.", kProcess};

// ---- daemon ---------------------------------------------------------------
inline constexpr MetricSpec build_info{"switchboard_build_info", kGauge, "version", "",
                                       "Always 1; the version label names the running build.", kDaemon};
inline constexpr MetricSpec config_reloads{"switchboard_config_reloads_total", kCounter, "result", "",
                                           "Config reloads (SIGHUP or API) by result: success or failure.", kDaemon};
inline constexpr MetricSpec config_last_reload{"switchboard_config_last_reload_success_timestamp_seconds", kGauge, "",
                                               "seconds", "When the running config was loaded, since the Unix epoch.",
                                               kDaemon};
inline constexpr MetricSpec draining{"switchboard_draining", kGauge, "", "",
                                     "1 while the daemon drains after SIGTERM (no new work accepted), else 0.", kDaemon};
inline constexpr MetricSpec live_work{"switchboard_live_work", kGauge, "kind", "",
                                      "Work a drain waits for, by kind (calls, HTTP requests ...).", kDaemon};

// ---- HTTP API and event stream ---------------------------------------------
inline constexpr MetricSpec api_requests{"switchboard_api_requests_total", kCounter, "method,route,code", "",
                                         "HTTP requests by method, route pattern and status code.", kApi};
inline constexpr MetricSpec api_request_duration{"switchboard_api_request_duration_seconds", kHistogram, "route",
                                                 "seconds", "Time from a complete request to its response.", kApi};
inline constexpr MetricSpec api_connections{"switchboard_api_connections", kGauge, "", "",
                                            "Open HTTP and WebSocket connections.", kApi};
inline constexpr MetricSpec api_connections_rejected{"switchboard_api_connections_rejected_total", kCounter, "reason",
                                                     "", "Connections refused or cut: limit, timeout, too_large.", kApi};
inline constexpr MetricSpec api_auth_failures{"switchboard_api_auth_failures_total", kCounter, "reason", "",
                                              "Requests refused for authentication: missing or invalid token.", kApi};
inline constexpr MetricSpec events_published{"switchboard_events_published_total", kCounter, "", "",
                                             "Events published to the CTI event stream.", kApi};
inline constexpr MetricSpec events_dropped{"switchboard_events_dropped_total", kCounter, "reason", "",
                                           "Events not delivered: queue_full at publication.", kApi};
inline constexpr MetricSpec event_clients{"switchboard_event_clients", kGauge, "", "",
                                          "Connected WebSocket event stream clients.", kApi};
inline constexpr MetricSpec event_clients_disconnected{
    "switchboard_event_clients_disconnected_total", kCounter, "reason", "",
    "Event stream clients disconnected: slow (fell too far behind), closed, error, shutdown.", kApi};

// ---- IVR ------------------------------------------------------------------
inline constexpr MetricSpec ivr_menus{"switchboard_ivr_menus", kGauge, "", "",
                                      "IVR menus in the running config.", kDaemon};
inline constexpr MetricSpec ivr_sessions{"switchboard_ivr_sessions", kGauge, "", "", "Calls in the IVR now.", kIvr};
inline constexpr MetricSpec ivr_node_entries{"switchboard_ivr_node_entries_total", kCounter, "menu,node", "",
                                             "IVR nodes entered, by menu and node.", kIvr};
inline constexpr MetricSpec ivr_inputs{"switchboard_ivr_inputs_total", kCounter, "menu,node,result", "",
                                       "Digit input at collect nodes by result: matched, invalid, timeout.", kIvr};
inline constexpr MetricSpec ivr_exits{"switchboard_ivr_exits_total", kCounter, "menu,action", "",
                                      "Calls leaving the IVR by action: queue, callback, transfer, hangup, abandon.",
                                      kIvr};

// ---- calls ----------------------------------------------------------------
inline constexpr MetricSpec calls_active{"switchboard_calls_active", kGauge, "state", "",
                                         "Calls now by state: ivr, queued, ringing, connecting, talking, "
                                         "callback_waiting, dialling, transferring.",
                                         kCalls};
inline constexpr MetricSpec calls_started{"switchboard_calls_started_total", kCounter, "direction", "",
                                          "Calls started, inbound or outbound.", kCalls};
inline constexpr MetricSpec calls_ended{"switchboard_calls_ended_total", kCounter, "reason", "",
                                        "Calls ended by reason: completed, abandoned, failed, rejected.", kCalls};
inline constexpr MetricSpec calls_supervised{"switchboard_calls_supervised", kGauge, "", "",
                                             "Calls with a supervisor listening, whispering or barging in now.",
                                             kCalls};
inline constexpr MetricSpec call_supervisions{"switchboard_call_supervisions_total", kCounter, "", "",
                                              "Supervisors that joined a call (the worker confirmed their leg).",
                                              kCalls};
inline constexpr MetricSpec call_announcements{"switchboard_call_announcements_total", kCounter, "", "",
                                               "Position and expected-wait announcements played to waiting callers.",
                                               kCalls};
inline constexpr MetricSpec call_callbacks_requested{"switchboard_call_callbacks_requested_total", kCounter, "", "",
                                                     "Callers who asked to be called back (and hung up).", kCalls};
inline constexpr MetricSpec call_callbacks_placed{"switchboard_call_callbacks_placed_total", kCounter, "", "",
                                                  "Callbacks dialled (an agent was reserved for them).", kCalls};
inline constexpr MetricSpec call_callbacks_answered{"switchboard_call_callbacks_answered_total", kCounter, "", "",
                                                    "Callbacks the dialled party answered.", kCalls};
inline constexpr MetricSpec call_callbacks_failed{"switchboard_call_callbacks_failed_total", kCounter, "", "",
                                                  "Callbacks that failed (dial failed or unanswered, no media, "
                                                  "dropped at shutdown).",
                                                  kCalls};
inline constexpr MetricSpec call_transfers{"switchboard_call_transfers_total", kCounter, "kind", "",
                                           "Blind transfers by target kind: queue, agent, number.", kCalls};
inline constexpr MetricSpec call_transfer_dials_failed{"switchboard_call_transfer_dials_failed_total", kCounter, "", "",
                                                       "Transfers to a number whose dial failed or went unanswered "
                                                       "(the caller went back to its queue).",
                                                       kCalls};
inline constexpr MetricSpec call_holds{"switchboard_call_holds_total", kCounter, "", "",
                                       "Talking calls put on hold.", kCalls};

// ---- dataplane ------------------------------------------------------------
inline constexpr MetricSpec dp_packets{"switchboard_dataplane_packets_total", kCounter, "direction", "",
                                       "Packets received (rx) and sent (tx) by the dataplane workers.", kDataplane};
inline constexpr MetricSpec dp_bytes{"switchboard_dataplane_bytes_total", kCounter, "direction", "bytes",
                                     "Bytes received (rx) and sent (tx) by the dataplane workers.", kDataplane};
inline constexpr MetricSpec dp_drops{"switchboard_dataplane_drops_total", kCounter, "reason", "",
                                     "Packets dropped, by reason (dataplane/drop_reasons.def).", kDataplane};
inline constexpr MetricSpec dp_sessions{"switchboard_dataplane_active_sessions", kGauge, "", "",
                                        "Media sessions now.", kDataplane};
inline constexpr MetricSpec dp_legs{"switchboard_dataplane_active_legs", kGauge, "", "", "Media legs now.", kDataplane};
inline constexpr MetricSpec dp_rtp_expected{"switchboard_dataplane_rtp_expected_packets_total", kCounter, "", "",
                                            "RTP packets expected from sequence numbers (RFC 3550 A.3).", kDataplane};
inline constexpr MetricSpec dp_rtp_lost{"switchboard_dataplane_rtp_lost_packets_total", kCounter, "", "",
                                        "RTP packets lost (RFC 3550 A.3).", kDataplane};
inline constexpr MetricSpec dp_jitter{"switchboard_dataplane_jitter_seconds", kHistogram, "", "seconds",
                                      "Per-leg interarrival jitter (RFC 3550 A.8), sampled at each stats pass.",
                                      kDataplane};
inline constexpr MetricSpec dp_rtt{"switchboard_dataplane_rtt_seconds", kHistogram, "", "seconds",
                                   "Round-trip time from RTCP reports.", kDataplane};
inline constexpr MetricSpec dp_mos{"switchboard_dataplane_mos", kHistogram, "", "",
                                   "Per-leg MOS estimate (E-model, G.107), 1 to 4.5, sampled at each stats pass.",
                                   kDataplane};
inline constexpr MetricSpec dp_media_timeouts{"switchboard_dataplane_media_timeouts_total", kCounter, "", "",
                                              "Legs that stopped receiving media.", kDataplane};
inline constexpr MetricSpec dp_mixed_packets{"switchboard_dataplane_mixed_packets_total", kCounter, "direction", "",
                                             "RTP packets taken into mix rooms (in) and mixes sent to parties (out).",
                                             kDataplane};
inline constexpr MetricSpec dp_mixed_concealed{"switchboard_dataplane_mixed_concealed_frames_total", kCounter, "", "",
                                               "20 ms frames of mixed legs filled by the codec's PLC (lost or late).",
                                               kDataplane};
inline constexpr MetricSpec dp_rtcp{"switchboard_dataplane_rtcp_packets_total", kCounter, "origin", "",
                                    "RTCP compound packets forwarded between legs (relayed) and made for legs the "
                                    "server terminates (generated).",
                                    kDataplane};
inline constexpr MetricSpec dp_mix_ticks{"switchboard_dataplane_mix_ticks_total", kCounter, "", "",
                                         "Mix room ticks (one per room every 20 ms).", kDataplane};

// ---- ACD ------------------------------------------------------------------
inline constexpr MetricSpec acd_waiting{"switchboard_acd_calls_waiting", kGauge, "queue", "",
                                        "Calls waiting in queue now.", kAcd};
inline constexpr MetricSpec acd_longest_wait{"switchboard_acd_longest_wait_seconds", kGauge, "queue", "seconds",
                                             "Wait of the longest-waiting call now.", kAcd};
inline constexpr MetricSpec acd_offered{"switchboard_acd_calls_offered_total", kCounter, "queue", "",
                                        "Calls that entered the queue.", kAcd};
inline constexpr MetricSpec acd_answered{"switchboard_acd_calls_answered_total", kCounter, "queue", "",
                                         "Calls answered by an agent.", kAcd};
inline constexpr MetricSpec acd_answered_in_sl{"switchboard_acd_calls_answered_within_threshold_total", kCounter,
                                               "queue", "", "Calls answered within the queue's service-level threshold.",
                                               kAcd};
inline constexpr MetricSpec acd_abandoned{"switchboard_acd_calls_abandoned_total", kCounter, "queue", "",
                                          "Calls abandoned in queue (short abandons included).", kAcd};
inline constexpr MetricSpec acd_abandoned_short{"switchboard_acd_calls_abandoned_short_total", kCounter, "queue", "",
                                                "Calls abandoned before the short-abandon threshold.", kAcd};
inline constexpr MetricSpec acd_overflowed{"switchboard_acd_calls_overflowed_total", kCounter, "queue", "",
                                           "Calls moved to the overflow queue.", kAcd};
inline constexpr MetricSpec acd_service_level{"switchboard_acd_service_level_ratio", kGauge, "queue", "ratio",
                                              "Service level of the current 15-minute interval (docs/metrics.md).",
                                              kAcd};
inline constexpr MetricSpec acd_service_level_target{"switchboard_acd_service_level_target_ratio", kGauge, "queue",
                                                     "ratio", "The queue's configured service-level target.", kAcd};
inline constexpr MetricSpec acd_answer_delay{"switchboard_acd_answer_delay_seconds", kHistogram, "queue", "seconds",
                                             "Wait of answered calls (ASA = sum / count).", kAcd};
inline constexpr MetricSpec acd_handle_time{"switchboard_acd_handle_time_seconds", kHistogram, "queue", "seconds",
                                            "Talk + hold + wrap-up per handled call (AHT = sum / count).", kAcd};
inline constexpr MetricSpec acd_agents{"switchboard_acd_agents", kGauge, "state", "",
                                       "Agents by state: ready, not_ready, reserved, on_call, wrap_up.", kAcd};
inline constexpr MetricSpec acd_queue_agents_ready{"switchboard_acd_queue_agents_ready", kGauge, "queue", "",
                                                   "Logged-in agents ready for the queue's calls.", kAcd};
inline constexpr MetricSpec acd_callbacks_pending{"switchboard_acd_callbacks_pending", kGauge, "queue", "",
                                                  "Callback requests keeping their place in queue.", kAcd};
inline constexpr MetricSpec acd_dispatch_latency{"switchboard_acd_dispatch_latency_seconds", kHistogram, "", "seconds",
                                                 "From a routing event to the engine's decision.", kAcd};

// ---- recordings -----------------------------------------------------------
inline constexpr MetricSpec rec_active{"switchboard_recordings_active", kGauge, "", "", "Recordings being written now.",
                                       kRecordings};
inline constexpr MetricSpec rec_started{"switchboard_recordings_started_total", kCounter, "", "",
                                        "Recordings started.", kRecordings};
inline constexpr MetricSpec rec_completed{"switchboard_recordings_completed_total", kCounter, "", "",
                                          "Recordings finished and durably written.", kRecordings};
inline constexpr MetricSpec rec_failed{"switchboard_recordings_failed_total", kCounter, "", "",
                                       "Recordings stopped by a write error (disk full, I/O error).", kRecordings};
inline constexpr MetricSpec rec_frames_dropped{"switchboard_recordings_frames_dropped_total", kCounter, "", "",
                                               "20 ms frames dropped because a writer fell behind.", kRecordings};

// ---- SIP ----------------------------------------------------------------------
inline constexpr MetricSpec sip_requests{"switchboard_sip_requests_total", kCounter, "method", "",
                                         "SIP requests received by method (retransmissions included).", kSip};
inline constexpr MetricSpec sip_responses{"switchboard_sip_responses_total", kCounter, "class", "",
                                          "SIP responses sent by class: 1xx .. 6xx.", kSip};
inline constexpr MetricSpec sip_auth_failures{"switchboard_sip_auth_failures_total", kCounter, "", "",
                                              "Digest credentials that did not verify (REGISTER, trunk INVITE).", kSip};
inline constexpr MetricSpec sip_acl_rejections{"switchboard_sip_acl_rejections_total", kCounter, "", "",
                                               "INVITEs refused 403: not from a trunk or a registered agent.", kSip};
inline constexpr MetricSpec sip_registrations{"switchboard_sip_registrations_active", kGauge, "", "",
                                              "Agent phones with a live registration.", kSip};
inline constexpr MetricSpec sip_dialogs{"switchboard_sip_dialogs_active", kGauge, "", "",
                                        "Calls with at least one SIP leg (caller or agent) now.", kSip};
inline constexpr MetricSpec sip_transport_drops{"switchboard_sip_transport_drops_total", kCounter, "transport,reason",
                                                "", "Messages the SIP transport dropped, by transport and reason.", kSip};
inline constexpr MetricSpec sip_transfers{"switchboard_sip_transfers_total", kCounter, "outcome", "",
                                          "REFERs (blind transfers): accepted (202), refused, failed (accepted, then refused).",
                                          kSip};
inline constexpr MetricSpec sip_outbound_calls{"switchboard_sip_outbound_calls_total", kCounter, "", "",
                                               "Calls placed through the outbound trunk (callbacks): INVITEs sent.", kSip};
inline constexpr MetricSpec sip_outbound_outcomes{"switchboard_sip_outbound_outcomes_total", kCounter, "outcome", "",
                                                  "Outbound calls by outcome: answered, failed.", kSip};
inline constexpr MetricSpec sip_session_events{
    "switchboard_sip_session_events_total", kCounter, "event", "",
    "Session refreshes and their failures: re-INVITEs without SDP, session timers (RFC 4028).", kSip};

inline constexpr std::array kAll = {
    &process_cpu_seconds, &process_resident_memory, &process_virtual_memory, &process_open_fds, &process_max_fds,
    &process_start_time, &build_info, &config_reloads, &config_last_reload, &draining, &live_work, &api_requests,
    &api_request_duration, &api_connections, &api_connections_rejected, &api_auth_failures, &events_published,
    &events_dropped, &event_clients, &event_clients_disconnected, &ivr_menus, &ivr_sessions, &ivr_node_entries,
    &ivr_inputs, &ivr_exits, &calls_active, &calls_started, &calls_ended, &calls_supervised, &call_supervisions,
    &call_announcements, &call_callbacks_requested, &call_callbacks_placed, &call_callbacks_answered,
    &call_callbacks_failed, &call_transfers, &call_transfer_dials_failed, &call_holds,
    &dp_packets, &dp_bytes, &dp_drops, &dp_sessions, &dp_legs, &dp_rtp_expected, &dp_rtp_lost, &dp_jitter, &dp_rtt,
    &dp_mos, &dp_media_timeouts, &dp_mixed_packets, &dp_mixed_concealed, &dp_mix_ticks, &dp_rtcp,
    &acd_waiting, &acd_longest_wait, &acd_offered, &acd_answered, &acd_answered_in_sl, &acd_abandoned,
    &acd_abandoned_short, &acd_overflowed, &acd_service_level, &acd_service_level_target, &acd_answer_delay,
    &acd_handle_time, &acd_agents, &acd_queue_agents_ready, &acd_callbacks_pending, &acd_dispatch_latency, &rec_active,
    &rec_started, &rec_completed, &rec_failed, &rec_frames_dropped, &sip_requests, &sip_responses, &sip_auth_failures,
    &sip_acl_rejections, &sip_registrations, &sip_dialogs, &sip_transport_drops, &sip_transfers, &sip_outbound_calls,
    &sip_outbound_outcomes, &sip_session_events};

// The spec named `name`, or nullptr.
const MetricSpec* find(std::string_view name) noexcept;

}  // namespace sb::metrics::catalogue
