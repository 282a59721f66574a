#include "cli/api_cluster_client.h"

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "cli/list_all.h"
#include "net/percent_encoding.h"

namespace cara::cli {
namespace {

std::string Collection(const std::string& kind) {
  if (kind == api::kKindSecret) return "/api/v1/secrets";
  return kind == api::kKindNode ? "/api/v1/nodes" : "/api/v1/projects";
}

std::string Item(const std::string& kind, const std::string& name) {
  return Collection(kind) + "/" + PathEscape(name);
}

Result<std::string> BodyOrError(Result<ApiResponse> response) {
  CARA_RETURN_IF_ERROR(ExpectSuccess(response));
  return std::move(response->body);
}

// Decodes each item as soon as it is parsed (ListAll drops its JSON): the
// whole tree of a 10,000-project list would be several times the size of
// the typed objects.
template <typename T, typename DecodeFn>
Result<std::vector<T>> ListDecoded(ApiClient& client, const std::string& path, DecodeFn decode) {
  std::vector<T> out;
  CARA_RETURN_IF_ERROR(ListAll(client, path, [&](nlohmann::json& item) -> Status {
    auto object = decode(item);
    if (!object.ok()) return Status::Unavailable("list " + path + ": " + object.status().message());
    out.push_back(std::move(*object));
    return Status::Ok();
  }));
  return out;
}

// What the server sent, or why it cannot be used.
template <typename T>
Result<T> Served(Result<T> decoded, const char* what) {
  if (decoded.ok()) return decoded;
  return Status::Unavailable(std::string("the server sent an invalid ") + what + ": " +
                             decoded.status().message());
}

nlohmann::json Parse(const std::string& body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string SourcePath(const std::string& id) { return "/api/v1/sources/" + PathEscape(id); }

}  // namespace

Result<std::vector<api::Node>> ApiClusterClient::ListNodes() {
  return ListDecoded<api::Node>(*client_, Collection(api::kKindNode), api::DecodeNode);
}

Result<std::vector<api::Project>> ApiClusterClient::ListProjects() {
  return ListDecoded<api::Project>(*client_, Collection(api::kKindProject), api::DecodeProject);
}

Result<std::vector<api::Secret>> ApiClusterClient::ListSecrets() {
  // A server without Secrets answers 404, a role that may not read them
  // 403: either way this client sees none (ClusterClient::ListSecrets). Only
  // a failed list costs a second request, to tell which it was.
  auto secrets =
      ListDecoded<api::Secret>(*client_, Collection(api::kKindSecret), api::DecodeSecret);
  if (secrets.ok() || secrets.status().code() == Code::kNotFound) return secrets;
  auto probe = client_->Get(Collection(api::kKindSecret) + "?limit=1");
  if (probe.ok() && (probe->status == 403 || probe->status == 404)) {
    return Status::NotFound("secrets are not readable: " + DescribeHttpError(*probe));
  }
  return secrets;
}

Result<std::string> ApiClusterClient::Get(const std::string& kind, const std::string& name) {
  return BodyOrError(client_->Get(Item(kind, name)));
}

Result<std::string> ApiClusterClient::Create(const std::string& kind, const std::string& json) {
  return BodyOrError(client_->Post(Collection(kind), json));
}

Result<std::string> ApiClusterClient::Replace(const std::string& kind, const std::string& name,
                                              const std::string& json) {
  return BodyOrError(client_->Put(Item(kind, name), json));
}

Result<std::string> ApiClusterClient::Delete(const std::string& kind, const std::string& name) {
  auto response = client_->Delete(Item(kind, name));
  if (response.ok() && response->status == 404) {
    return Status::NotFound(DescribeHttpError(*response));
  }
  return BodyOrError(std::move(response));
}

Result<api::SyncRun> ApiClusterClient::RecordSyncRun(const api::SyncRun& run) {
  nlohmann::ordered_json body = api::EncodeSyncRun(run);
  body.erase("id");  // the server's
  body.erase("who");
  auto stored = BodyOrError(client_->Post("/api/v1/syncruns", body.dump()));
  if (!stored.ok()) return stored.status();
  return Served(api::SyncRunFromJson(Parse(*stored)), "sync run");
}

Result<std::vector<api::SyncRun>> ApiClusterClient::ListSyncRuns(const std::string& source) {
  std::string path = "/api/v1/syncruns";
  if (!source.empty()) path += "?source=" + net::PercentEncode(source);
  auto body = BodyOrError(client_->Get(path));
  if (!body.ok()) return body.status();
  nlohmann::json j = Parse(*body);
  if (!j.is_object() || !j.contains("items") || !j["items"].is_array()) {
    return Status::Unavailable("the server sent an invalid sync run list");
  }
  std::vector<api::SyncRun> runs;
  for (const auto& item : j["items"]) {
    auto run = Served(api::SyncRunFromJson(item), "sync run");
    if (!run.ok()) return run.status();
    runs.push_back(std::move(*run));
  }
  return runs;
}

Result<api::SourceState> ApiClusterClient::GetSourceState(const std::string& id) {
  auto response = client_->Get(SourcePath(id));
  // Only a path the server does not serve at all (no problem body) means
  // it keeps no suspension; a problem 404 is an error like any other.
  if (response.ok() && response->status == 404 &&
      ExpectSuccess(response).code() != Code::kNotFound) {
    api::SourceState state;
    state.id = id;
    return state;
  }
  auto body = BodyOrError(std::move(response));
  if (!body.ok()) return body.status();
  return Served(api::SourceStateFromJson(Parse(*body)), "source state");
}

Result<api::SourceState> ApiClusterClient::PutSourceState(const api::SourceState& state) {
  nlohmann::ordered_json body = {{"suspended", state.suspended}};
  if (!state.reason.empty()) body["reason"] = state.reason;
  auto stored = BodyOrError(client_->Put(SourcePath(state.id), body.dump()));
  if (!stored.ok()) return stored.status();
  return Served(api::SourceStateFromJson(Parse(*stored)), "source state");
}

gitops::ClusterConnector ConnectTo(const ApiConnection& connection) {
  return [connection] { return std::make_unique<ApiClusterClient>(connection); };
}

}  // namespace cara::cli
