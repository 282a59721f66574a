// DockerClient: image presence and pulls, and how a reference is split for a pull.
#include <ctime>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/docker_client.h"
#include "agent/docker_streams.h"
#include "agent/docker_transport.h"
#include "agent/docker_wire.h"
#include "agent/registry_auth.h"

namespace cara::agent {
namespace {

using json = nlohmann::json;

// A pull can go quiet while a large layer is extracted.
constexpr time_t kPullReadTimeoutSec = 600;

// The error a pull progress line reports, or "" (progress lines we cannot
// read are not errors).
std::string PullLineError(std::string_view line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  std::string message = StringField(j, "error");
  if (auto it = j.find("errorDetail"); message.empty() && it != j.end()) {
    message = StringField(*it, "message");
    if (message.empty()) message = it->dump();
  }
  return message;
}

}  // namespace

ImageReference SplitImageReference(const std::string& image) {
  std::string name = image;
  std::string digest;
  if (size_t at = name.find('@'); at != std::string::npos) {
    digest = name.substr(at + 1);
    name.resize(at);
  }
  std::string tag;
  // A ':' after the last '/' starts the tag; one before it is a registry port.
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    name.resize(colon);
  }
  if (!digest.empty()) return {name, digest};
  return {name, tag.empty() ? "latest" : tag};
}

Status DockerClient::ImageExists(const std::string& image) {
  return Guarded("inspect image", [&]() -> Status {
    return transport_->CallChecked("GET", "/images/" + PathEncode(image) + "/json");
  });
}

Status DockerClient::PullImage(const std::string& image,
                               const std::optional<RegistryCredentials>& credentials) {
  return Guarded("pull image", [&]() -> Status {
    ImageReference ref = SplitImageReference(image);
    std::string path =
        "/images/create?fromImage=" + QueryEncode(ref.repo) + "&tag=" + QueryEncode(ref.tag);
    // Docker answers 200 before it knows whether the pull works; failures
    // then arrive as a progress line {"error":..,"errorDetail":{..}}.
    std::string stream_error;
    LineSplitter lines;
    auto on_line = [&](std::string_view line) {
      if (stream_error.empty()) stream_error = PullLineError(line);
    };
    DockerHeaders headers;
    if (credentials) headers.emplace_back("X-Registry-Auth", RegistryAuthHeader(*credentials));
    auto on_data = [&](const char* data, size_t n) {
      lines.Feed(data, n, on_line);
      return true;  // drain: Docker ends the stream itself after an error
    };
    Status st = transport_->Stream("POST", path, kPullReadTimeoutSec, on_data, nullptr, headers);
    CARA_RETURN_IF_ERROR(st);
    lines.Finish(on_line);
    if (!stream_error.empty()) return Status::Internal(stream_error);
    return Status::Ok();
  });
}

}  // namespace cara::agent
