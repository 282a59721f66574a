// Typed reading and sparse writing of JSON object fields, shared by the
// codecs: a JsonReader remembers the first type error with its path (the
// problem's JSON pointer comes from it); the Put* helpers leave empty values
// out, as the reference implementation's omitempty does.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "common/status.h"
#include "common/time_format.h"

namespace cara::api {

void PutString(nlohmann::ordered_json& o, const char* key, const std::string& v);
void PutTime(nlohmann::ordered_json& o, const char* key, const std::optional<Timestamp>& t);
void PutMap(nlohmann::ordered_json& o, const char* key, const StringMap& m);
void PutObject(nlohmann::ordered_json& o, const char* key, nlohmann::ordered_json&& v);

// Reads typed fields out of a JSON object, remembering the first type error
// together with its path.
class JsonReader {
 public:
  JsonReader(const nlohmann::json& j, std::string path, Status* error)
      : j_(j), path_(std::move(path)), error_(error) {
    if (!j_.is_object() && !j_.is_null()) Fail(path_, "expected an object");
  }

  const nlohmann::json* Field(const char* key) const {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string Path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  void String(const char* key, std::string& out) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_string()) return Fail(Path(key), "expected a string");
    out = f->get<std::string>();
  }
  void OptString(const char* key, std::optional<std::string>& out) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_string()) return Fail(Path(key), "expected a string");
    out = f->get<std::string>();
  }
  void Bool(const char* key, bool& out) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_boolean()) return Fail(Path(key), "expected a boolean");
    out = f->get<bool>();
  }
  void Int(const char* key, int64_t& out) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_number_integer()) return Fail(Path(key), "expected an integer");
    // 2^63 and above parse as unsigned and would wrap to a negative int64.
    if (f->is_number_unsigned() &&
        f->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Fail(Path(key), "integer " + f->dump() + " is out of range");
    }
    out = f->get<int64_t>();
  }
  void Time(const char* key, std::optional<Timestamp>& out) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_string()) return Fail(Path(key), "expected an RFC 3339 timestamp string");
    auto t = ParseRfc3339(f->get_ref<const std::string&>());
    if (!t.ok()) return Fail(Path(key), t.status().message());
    if (IsGoZeroTime(*t)) return;
    out = *t;
  }
  void Map(const char* key, StringMap& out) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_object()) return Fail(Path(key), "expected an object of strings");
    for (auto it = f->begin(); it != f->end(); ++it) {
      if (!it.value().is_string()) return Fail(Path(key) + "." + it.key(), "expected a string");
      out[it.key()] = it.value().get<std::string>();
    }
  }
  void Strings(const char* key, std::vector<std::string>& out) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_array()) return Fail(Path(key), "expected an array of strings");
    for (size_t i = 0; i < f->size(); ++i) {
      if (!(*f)[i].is_string()) {
        return Fail(Path(key) + "[" + std::to_string(i) + "]", "expected a string");
      }
      out.push_back((*f)[i].get<std::string>());
    }
  }
  // Calls fn(Reader) for each element of an array of objects.
  template <typename Fn>
  void Array(const char* key, Fn fn) const {
    const nlohmann::json* f = Field(key);
    if (!f) return;
    if (!f->is_array()) return Fail(Path(key), "expected an array");
    for (size_t i = 0; i < f->size(); ++i) {
      fn(JsonReader((*f)[i], Path(key) + "[" + std::to_string(i) + "]", error_));
    }
  }
  JsonReader Object(const char* key) const {
    const nlohmann::json* f = Field(key);
    static const nlohmann::json kNull;
    return JsonReader(f ? *f : kNull, Path(key), error_);
  }

 private:
  void Fail(const std::string& path, const std::string& message) const {
    if (error_->ok()) *error_ = Status::Invalid(path + ": " + message);
  }

  const nlohmann::json& j_;
  std::string path_;
  Status* error_;
};

}  // namespace cara::api
