#include "api/event.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/json_fields.h"
#include "api/validation.h"
#include "common/hex.h"

namespace cara::api {
namespace {

using ojson = nlohmann::ordered_json;

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return LowerHex(digest, size);
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

Event MakeEvent(const ObjectReference& object, const std::string& type, const std::string& reason,
                const std::string& message) {
  Event event;
  event.involved_object = object;
  event.type = type;
  event.reason = reason;
  event.message = message;
  return event;
}

std::string EventNamePrefix(const ObjectReference& object) {
  return Lower(object.kind) + "." + object.name + ".";
}

std::string EventName(const Event& e) {
  const std::string key =
      e.reason + "|" + e.type + "|" + e.message + "|" + e.source.component + "|" + e.source.node;
  return EventNamePrefix(e.involved_object) + Sha256Hex(key).substr(0, 16);
}

std::string FormatObjectReference(const ObjectReference& object) {
  return Lower(object.kind) + "/" + object.name;
}

Result<ObjectReference> ParseObjectReference(const std::string& text) {
  const size_t slash = text.find('/');
  const std::string usage = "expected project/NAME or node/NAME, got \"" + text + "\"";
  if (slash == std::string::npos || slash + 1 == text.size()) return Status::Invalid(usage);
  const std::string kind = Lower(text.substr(0, slash));
  ObjectReference ref;
  ref.name = text.substr(slash + 1);
  if (kind == "project" || kind == "projects") {
    ref.kind = kKindProject;
  } else if (kind == "node" || kind == "nodes") {
    ref.kind = kKindNode;
  } else {
    return Status::Invalid(usage);
  }
  // A name no object can have names no events either; checked here, so a
  // store never sees a malformed name (PostgreSQL refuses invalid UTF-8).
  if (Status st = ValidateName(ref.name); !st.ok()) return st;
  return ref;
}

bool EventFilter::Matches(const Event& e) const {
  if (object && e.involved_object != *object) return false;
  if (project_prefix &&
      (e.involved_object.kind != kKindProject ||
       e.involved_object.name.compare(0, project_prefix->size(), *project_prefix) != 0)) {
    return false;
  }
  return true;
}

std::string EventFilter::NamePrefix() const {
  if (object) return EventNamePrefix(*object);
  if (project_prefix) return Lower(kKindProject) + "." + *project_prefix;
  return "";
}

ojson ToJson(const Event& e) {
  ojson o = ojson::object();
  o["apiVersion"] = kApiVersion;
  o["kind"] = kKindEvent;
  ojson meta = ojson::object();
  meta["name"] = e.metadata.name;
  PutTime(meta, "createdAt", e.metadata.created_at);
  PutTime(meta, "updatedAt", e.metadata.updated_at);
  PutString(meta, "resourceVersion", e.metadata.resource_version);
  o["metadata"] = std::move(meta);
  o["involvedObject"] = {{"kind", e.involved_object.kind}, {"name", e.involved_object.name}};
  o["reason"] = e.reason;
  o["message"] = e.message;
  o["type"] = e.type;
  o["count"] = e.count;
  PutTime(o, "firstTimestamp", e.first_timestamp);
  PutTime(o, "lastTimestamp", e.last_timestamp);
  ojson source = ojson::object();
  source["component"] = e.source.component;
  PutString(source, "node", e.source.node);
  o["source"] = std::move(source);
  return o;
}

std::string EncodeEvent(const Event& event) { return ToJson(event).dump(); }

std::string EncodeEventList(const std::vector<Event>& events) {
  ojson o = ojson::object();
  o["apiVersion"] = kApiVersion;
  o["kind"] = "EventList";
  ojson items = ojson::array();
  for (const Event& e : events) items.push_back(ToJson(e));
  o["items"] = std::move(items);
  return o.dump();
}

Result<Event> DecodeEvent(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Invalid("expected a JSON object");
  Status error;
  JsonReader root(j, "", &error);
  Event e;
  JsonReader meta = root.Object("metadata");
  meta.String("name", e.metadata.name);
  meta.Time("createdAt", e.metadata.created_at);
  meta.Time("updatedAt", e.metadata.updated_at);
  meta.String("resourceVersion", e.metadata.resource_version);
  JsonReader involved = root.Object("involvedObject");
  involved.String("kind", e.involved_object.kind);
  involved.String("name", e.involved_object.name);
  root.String("reason", e.reason);
  root.String("message", e.message);
  root.String("type", e.type);
  if (e.type.empty()) e.type = kEventNormal;
  root.Int("count", e.count);
  root.Time("firstTimestamp", e.first_timestamp);
  root.Time("lastTimestamp", e.last_timestamp);
  JsonReader source = root.Object("source");
  source.String("component", e.source.component);
  source.String("node", e.source.node);
  if (!error.ok()) return error;
  return e;
}

Result<Event> ParseEvent(std::string_view text) {
  auto j = ParseJson(text);
  if (!j.ok()) return j.status();
  return DecodeEvent(*j);
}

}  // namespace cara::api
