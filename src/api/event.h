// Event: a record of something that happened to a Node or a Project (it was
// scheduled, its image was pulled, its node went NotReady), for people
// asking "why". Events are written by cara-server and the agents, never by
// users; an exact repeat is folded into one record whose count grows, so a
// crash loop is one line, not a thousand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/types.h"
#include "common/status.h"

namespace cara::api {

inline constexpr char kKindEvent[] = "Event";
inline constexpr char kEventNormal[] = "Normal";
inline constexpr char kEventWarning[] = "Warning";
inline constexpr char kComponentServer[] = "cara-server";
inline constexpr char kComponentAgent[] = "cara-agent";

// The reasons events carry (fixed names: people and scripts match on them).
namespace reason {
// cara-server
inline constexpr char kScheduled[] = "Scheduled";
inline constexpr char kUnschedulable[] = "Unschedulable";
inline constexpr char kRescheduled[] = "Rescheduled";
inline constexpr char kDrained[] = "Drained";
inline constexpr char kExpired[] = "Expired";
inline constexpr char kTerminating[] = "Terminating";
inline constexpr char kNodeNotReady[] = "NodeNotReady";
inline constexpr char kNodeReady[] = "NodeReady";
// cara-agent
inline constexpr char kPulling[] = "Pulling";
inline constexpr char kPulled[] = "Pulled";
inline constexpr char kCreated[] = "Created";
inline constexpr char kStarted[] = "Started";
inline constexpr char kRecreated[] = "Recreated";
inline constexpr char kUnhealthy[] = "Unhealthy";
inline constexpr char kBackOff[] = "BackOff";
inline constexpr char kKilling[] = "Killing";
inline constexpr char kFailed[] = "Failed";
}  // namespace reason

struct ObjectReference {
  std::string kind;  // kKindNode | kKindProject
  std::string name;
  bool operator==(const ObjectReference&) const = default;
};

struct EventSource {
  std::string component;  // kComponentServer | kComponentAgent
  std::string node;       // the agent's node ("" for the server)
  bool operator==(const EventSource&) const = default;
};

struct Event {
  ObjectMeta metadata;
  ObjectReference involved_object;
  std::string reason;
  std::string message;
  std::string type = kEventNormal;
  int64_t count = 1;
  std::optional<Timestamp> first_timestamp;
  std::optional<Timestamp> last_timestamp;
  EventSource source;
};

// An event about `object` as its emitter builds it (no name, times, count).
Event MakeEvent(const ObjectReference& object, const std::string& type, const std::string& reason,
                const std::string& message);
inline ObjectReference ProjectRef(const std::string& name) { return {kKindProject, name}; }
inline ObjectReference NodeRef(const std::string& name) { return {kKindNode, name}; }

// "project.shop." : what every event name about the object starts with.
std::string EventNamePrefix(const ObjectReference& object);
// The record name: the prefix and the first 16 hex digits of the SHA-256 of
// reason|type|message|component|node, so an exact repeat is the same record.
std::string EventName(const Event& event);

// "project/shop" <-> {Project, shop}; the parse accepts the kind in any case
// and in the plural ("projects/shop"). Invalid: no '/', an unknown kind or an
// empty name.
std::string FormatObjectReference(const ObjectReference& object);
Result<ObjectReference> ParseObjectReference(const std::string& text);

// Which events a list (or watch) returns: about one object, and/or about
// Projects whose name starts with a prefix (what a preview token sees).
struct EventFilter {
  std::optional<ObjectReference> object;
  std::optional<std::string> project_prefix;

  bool Matches(const Event& event) const;
  // What the names of every matching event start with ("" when any may match).
  std::string NamePrefix() const;
};

nlohmann::ordered_json ToJson(const Event& event);
std::string EncodeEvent(const Event& event);
std::string EncodeEventList(const std::vector<Event>& events);
// Type checks only (the schema judges the rest); errors name the JSON path.
Result<Event> DecodeEvent(const nlohmann::json& j);
Result<Event> ParseEvent(std::string_view text);

}  // namespace cara::api
