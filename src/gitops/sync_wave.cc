#include "gitops/sync_wave.h"

#include <charconv>

#include "api/schema.h"
#include "common/go_quote.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

// Strict: an optional minus sign and digits, nothing else (no blanks, no
// "+", no "1e3"), so a value means the same to every reader.
Result<int> ParseWave(const std::string& text) {
  int wave = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, wave);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    return Status::Invalid(std::string(kSyncWaveAnnotation) + ": " + GoQuote(text) +
                           " is not an integer (e.g. \"-1\", \"0\", \"2\")");
  }
  if (ec == std::errc::result_out_of_range) {
    return Status::Invalid(std::string(kSyncWaveAnnotation) + ": " + GoQuote(text) +
                           " is out of range");
  }
  return wave;
}

const json* WaveValue(const json& document) {
  if (!document.is_object()) return nullptr;
  auto meta = document.find("metadata");
  if (meta == document.end() || !meta->is_object()) return nullptr;
  auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return nullptr;
  auto value = annotations->find(kSyncWaveAnnotation);
  if (value == annotations->end() || !value->is_string()) return nullptr;
  return &*value;
}

}  // namespace

Result<int> ParseSyncWave(const api::StringMap& annotations) {
  auto it = annotations.find(kSyncWaveAnnotation);
  if (it == annotations.end()) return 0;
  return ParseWave(it->second);
}

int SyncWaveOf(const json& document) {
  const json* value = WaveValue(document);
  if (value == nullptr) return 0;
  auto wave = ParseWave(value->get<std::string>());
  return wave.ok() ? *wave : 0;
}

std::string SyncWaveError(const api::ManifestDocument& document) {
  const json* value = WaveValue(document.value());
  if (value == nullptr) return "";
  auto wave = ParseWave(value->get<std::string>());
  if (wave.ok()) return "";
  std::string pointer = "/metadata/annotations";
  api::AppendPointerToken(pointer, kSyncWaveAnnotation);
  return api::FormatManifestError(document, {pointer, wave.status().message()});
}

}  // namespace cara::gitops
