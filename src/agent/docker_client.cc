#include "agent/docker_client.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "agent/docker_transport.h"
#include "agent/docker_wire.h"

namespace cara::agent {
namespace {

using json = nlohmann::json;

// A daemon that takes longer than this to answer a ping is not answering
// (the agent's heartbeat then reports DockerReady=False).
constexpr time_t kPingReadTimeoutSec = 5;

// The "Name" of each item of a list answer: the answer itself when
// `array_key` is null (networks), else its member `array_key` (volumes).
Result<std::vector<std::string>> ListNames(DockerTransport& transport, const char* what,
                                           const std::string& path, const Labels& label_filter,
                                           const char* array_key) {
  return Guarded(what, [&]() -> Result<std::vector<std::string>> {
    Result<json> j = transport.CallJson("GET", WithLabelFilter(path, label_filter));
    if (!j.ok()) return j.status();
    const json* items = &*j;
    if (array_key != nullptr) {
      auto it = j->find(array_key);
      items = it != j->end() ? &*it : nullptr;
    }
    std::vector<std::string> names;
    if (items != nullptr && items->is_array()) {
      for (const json& item : *items) names.push_back(StringField(item, "Name"));
    }
    return names;
  });
}

}  // namespace

DockerClient::DockerClient(const std::string& endpoint)
    : transport_(std::make_unique<DockerTransport>(endpoint)) {}

DockerClient::~DockerClient() = default;

const std::string& DockerClient::socket_path() const { return transport_->socket_path(); }

Status DockerClient::Ping() {
  return Guarded("ping", [&]() -> Status {
    Result<DockerReply> reply = transport_->Call("GET", "/_ping", "", kPingReadTimeoutSec);
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply);
  });
}

Status DockerClient::CreateNetwork(const std::string& name, const Labels& labels) {
  return Guarded("create network", [&]() -> Status {
    // CheckDuplicate: without it Docker happily creates a second network with
    // the same name, and name lookups become ambiguous.
    json body = {
        {"Name", name}, {"Driver", "bridge"}, {"CheckDuplicate", true}, {"Labels", labels}};
    return transport_->CallChecked("POST", "/networks/create", body.dump());
  });
}

Status DockerClient::NetworkExists(const std::string& name) {
  return Guarded("inspect network", [&]() -> Status {
    // Docker also matches an ID prefix; only the exact name counts here.
    Result<json> j = transport_->CallJson("GET", "/networks/" + PathEncode(name));
    if (!j.ok()) return j.status();
    if (StringField(*j, "Name") != name) return Status::NotFound("network " + name + " not found");
    return Status::Ok();
  });
}

Status DockerClient::RemoveNetwork(const std::string& name) {
  return Guarded("remove network", [&]() -> Status {
    return transport_->CallChecked("DELETE", "/networks/" + PathEncode(name));
  });
}

Result<std::vector<std::string>> DockerClient::ListNetworks(const Labels& label_filter) {
  return ListNames(*transport_, "list networks", "/networks", label_filter, nullptr);
}

Status DockerClient::CreateVolume(const std::string& name, const Labels& labels) {
  return Guarded("create volume", [&]() -> Status {
    json body = {{"Name", name}, {"Driver", "local"}, {"Labels", labels}};
    return transport_->CallChecked("POST", "/volumes/create", body.dump());
  });
}

Status DockerClient::VolumeExists(const std::string& name) {
  return Guarded("inspect volume", [&]() -> Status {
    return transport_->CallChecked("GET", "/volumes/" + PathEncode(name));
  });
}

Status DockerClient::RemoveVolume(const std::string& name, bool force) {
  return Guarded("remove volume", [&]() -> Status {
    return transport_->CallChecked(
        "DELETE", "/volumes/" + PathEncode(name) + "?force=" + (force ? "true" : "false"));
  });
}

Result<std::vector<std::string>> DockerClient::ListVolumes(const Labels& label_filter) {
  return ListNames(*transport_, "list volumes", "/volumes", label_filter, "Volumes");
}

}  // namespace cara::agent
