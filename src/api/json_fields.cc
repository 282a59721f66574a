#include "api/json_fields.h"

namespace cara::api {

using ojson = nlohmann::ordered_json;

void PutString(ojson& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}

void PutTime(ojson& o, const char* key, const std::optional<Timestamp>& t) {
  if (t) o[key] = FormatRfc3339(*t);
}

void PutMap(ojson& o, const char* key, const StringMap& m) {
  if (m.empty()) return;
  // Appended to ordered_map's vector directly: its operator[] searches the
  // keys linearly, which made 100,000 annotations take minutes. The keys of
  // a StringMap are distinct already.
  ojson& object = o[key] = ojson::object();
  ojson::object_t::Container& items = object.get_ref<ojson::object_t&>();
  items.reserve(m.size());
  for (const auto& [k, v] : m) items.emplace_back(k, v);
}

void PutObject(ojson& o, const char* key, ojson&& v) {
  if (!v.empty()) o[key] = std::move(v);
}

}  // namespace cara::api
