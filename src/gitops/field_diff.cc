#include "gitops/field_diff.h"

#include <cctype>
#include <set>
#include <string_view>
#include <unordered_map>

namespace cara::gitops {
namespace {

using nlohmann::json;

// True for a non-empty array of objects with distinct string "name"s.
bool IsNamedList(const json& v) {
  if (!v.is_array() || v.empty()) return false;
  std::set<std::string_view> names;
  for (const json& item : v) {
    if (!item.is_object()) return false;
    auto it = item.find("name");
    if (it == item.end() || !it->is_string()) return false;
    if (!names.insert(it->get_ref<const std::string&>()).second) return false;
  }
  return true;
}

bool IsPlainKey(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

std::string KeyPath(const std::string& parent, const std::string& key) {
  if (IsPlainKey(key)) return parent.empty() ? key : parent + "." + key;
  return parent + "[" + json(key).dump() + "]";
}

const json& NameOf(const json& item) { return item["name"]; }

// The items of a named list by name: lookups in linear time overall, so a
// service with 20,000 env entries diffs in milliseconds, not seconds.
std::unordered_map<std::string_view, size_t> IndexByName(const json& list) {
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    index.emplace(NameOf(list[i]).get_ref<const std::string&>(), i);
  }
  return index;
}

void Diff(const std::string& path, const json& before, const json& after,
          std::vector<FieldChange>* out);

void DiffObjects(const std::string& path, const json& before, const json& after,
                 std::vector<FieldChange>* out) {
  static const json kAbsent;
  // Both sides are sorted maps: walk them as one merged key sequence.
  auto b = before.begin(), a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b.key() < a.key())) {
      Diff(KeyPath(path, b.key()), *b, kAbsent, out);
      ++b;
    } else if (b == before.end() || a.key() < b.key()) {
      Diff(KeyPath(path, a.key()), kAbsent, *a, out);
      ++a;
    } else {
      Diff(KeyPath(path, a.key()), *b, *a, out);
      ++b, ++a;
    }
  }
}

void DiffNamedLists(const std::string& path, const json& before, const json& after,
                    std::vector<FieldChange>* out) {
  static const json kAbsent;
  auto before_index = IndexByName(before), after_index = IndexByName(after);
  for (const json& item : after) {
    const std::string& name = NameOf(item).get_ref<const std::string&>();
    auto old = before_index.find(name);
    Diff(path + "[" + name + "]", old == before_index.end() ? kAbsent : before[old->second], item,
         out);
  }
  for (const json& item : before) {
    const std::string& name = NameOf(item).get_ref<const std::string&>();
    if (after_index.count(name) == 0) Diff(path + "[" + name + "]", item, kAbsent, out);
  }
}

void Diff(const std::string& path, const json& before, const json& after,
          std::vector<FieldChange>* out) {
  if (before == after) return;
  if (before.is_object() && after.is_object()) return DiffObjects(path, before, after, out);
  if (IsNamedList(before) && IsNamedList(after)) return DiffNamedLists(path, before, after, out);
  out->push_back({path, before, after});
}

}  // namespace

void DiffFields(const json& before, const json& after, std::vector<FieldChange>* out) {
  Diff("", before, after, out);
}

void AlignNamedLists(json& before, const json& after) {
  if (before.is_object() && after.is_object()) {
    for (auto it = before.begin(); it != before.end(); ++it) {
      auto other = after.find(it.key());
      if (other != after.end()) AlignNamedLists(*it, *other);
    }
    return;
  }
  if (!IsNamedList(before) || !IsNamedList(after)) return;
  json aligned = json::array();
  std::vector<bool> used(before.size(), false);
  auto index = IndexByName(before);  // views into `before`: used before its items move
  std::vector<std::pair<size_t, const json*>> order;  // before's index, after's item
  for (const json& item : after) {
    auto it = index.find(NameOf(item).get_ref<const std::string&>());
    if (it != index.end()) order.emplace_back(it->second, &item);
  }
  for (const auto& [i, item] : order) {
    used[i] = true;
    aligned.push_back(std::move(before[i]));
    AlignNamedLists(aligned.back(), *item);
  }
  for (size_t i = 0; i < before.size(); ++i) {
    if (!used[i]) aligned.push_back(std::move(before[i]));
  }
  before = std::move(aligned);
}

}  // namespace cara::gitops
