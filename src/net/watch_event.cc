#include "net/watch_event.h"

#include <algorithm>
#include <charconv>

namespace cara::net {
namespace {

using ojson = nlohmann::ordered_json;

std::string MetadataString(const ojson& object, const char* field) {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto value = metadata->find(field);
  if (value == metadata->end()) return "";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_integer()) return value->dump();
  return "";
}

bool ParseCounter(const std::string& s, unsigned long long* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
}

Status LineTooLong(size_t max_line) {
  return Status::Invalid("watch stream line longer than " + std::to_string(max_line) + " bytes");
}

}  // namespace

std::string ObjectName(const ojson& object) { return MetadataString(object, "name"); }

std::string ObjectResourceVersion(const ojson& object) {
  return MetadataString(object, "resourceVersion");
}

std::string WatchEvent::name() const { return ObjectName(object); }

std::string WatchEvent::resource_version() const { return ObjectResourceVersion(object); }

bool NewerResourceVersion(const std::string& a, const std::string& b) {
  unsigned long long x = 0, y = 0;
  if (ParseCounter(a, &x) && ParseCounter(b, &y)) return x > y;
  return a != b;
}

Result<WatchEvent> DecodeWatchEvent(std::string_view line) {
  ojson parsed = ojson::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::Invalid("watch event is not a JSON object");
  }
  auto type = parsed.find("type");
  if (type == parsed.end() || !type->is_string()) {
    return Status::Invalid("watch event has no type");
  }
  WatchEvent event;
  event.type = type->get<std::string>();
  if (event.type != kWatchAdded && event.type != kWatchModified && event.type != kWatchDeleted) {
    return Status::Invalid("watch event has an unknown type \"" + event.type + "\"");
  }
  auto object = parsed.find("object");
  if (object == parsed.end() || !object->is_object()) {
    return Status::Invalid("watch event " + event.type + " has no object");
  }
  event.object = std::move(*object);
  if (event.name().empty()) return Status::Invalid("watch event's object has no metadata.name");
  return event;
}

Result<bool> LineSplitter::Feed(std::string_view data,
                                const std::function<bool(std::string_view)>& on_line) {
  while (!data.empty()) {
    size_t newline = data.find('\n');
    if (newline == std::string_view::npos) {
      if (partial_.size() + data.size() > max_line_) return LineTooLong(max_line_);
      partial_.append(data);
      return true;
    }
    if (partial_.size() + newline > max_line_) return LineTooLong(max_line_);
    partial_.append(data.substr(0, newline));
    data.remove_prefix(newline + 1);
    std::string line = std::move(partial_);
    partial_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (IsBlank(line)) continue;  // keep-alive
    if (!on_line(line)) return false;
  }
  return true;
}

}  // namespace cara::net
