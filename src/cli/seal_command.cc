// caractrl seal -f PATH [--public-key-file F]: moves every stringData value
// of the Secrets read into sealedData, sealed to the cluster's public key
// and bound to the Secret's name and key, so the manifest can be committed
// to Git. Values already sealed are kept; Nodes and Projects pass through
// unchanged. Everything is validated first: nothing is printed for input
// with errors.
#include <fstream>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "cli/commands.h"
#include "security/sealed_value.h"

namespace cara::cli {
namespace {

using nlohmann::json;

// The cluster key from GET /api/v1/secrets/publickey's answer (or a file
// holding it). The fingerprint, when given, must match the key.
Result<security::SealingPublicKey> ParsePublicKeyDocument(const std::string& text,
                                                          const std::string& from) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("publicKey") || !doc["publicKey"].is_string()) {
    return Status::Invalid(from + ": expected a JSON object with \"publicKey\"");
  }
  auto key = security::SealingPublicKey::FromBase64(doc["publicKey"].get<std::string>());
  if (!key.ok()) return Status::Invalid(from + ": publicKey: " + key.status().message());
  auto fingerprint = doc.find("fingerprint");
  if (fingerprint != doc.end() && fingerprint->is_string() && *fingerprint != key->Fingerprint()) {
    return Status::Invalid(from + ": the fingerprint does not match the public key");
  }
  return key;
}

// Bad files are usage errors (exit 2); a server that cannot answer, exit 1.
int PublicKeyOrReport(const CliContext& ctx, const SealOptions& o,
                      std::optional<security::SealingPublicKey>* out) {
  std::string text, from;
  if (!o.public_key_file.empty()) {
    std::ifstream in(o.public_key_file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in) return ReportError(ctx, "cannot read " + o.public_key_file, kExitInvalid);
    text = buffer.str();
    from = o.public_key_file;
  } else {
    auto response = ctx.client->Get("/api/v1/secrets/publickey");
    Status st = ExpectSuccess(response);
    if (!st.ok()) return ReportError(ctx, "get the cluster's public key: " + st.message());
    text = response->body;
    from = "the server's public key";
  }
  auto key = ParsePublicKeyDocument(text, from);
  if (!key.ok()) {
    return ReportError(ctx, key.status().message(),
                       o.public_key_file.empty() ? kExitError : kExitInvalid);
  }
  *out = std::move(*key);
  return kExitOk;
}

// Seals the plain values of one Secret document in place; the number sealed.
Result<int> SealDocument(json& doc, const std::string& name,
                         const security::SealingPublicKey& key) {
  auto plain = doc.find("stringData");
  if (plain == doc.end() || !plain->is_object()) return 0;
  int sealed = 0;
  for (const auto& [k, value] : plain->items()) {
    auto blob = security::SealValue(key, name, k, value.get<std::string>());
    if (!blob.ok()) return blob.status();
    doc["sealedData"][k] = std::move(*blob);
    ++sealed;
  }
  doc.erase("stringData");
  return sealed;
}

void PrintDocuments(const CliContext& ctx, const std::vector<json>& docs) {
  if (ctx.format == OutputFormat::kJson) {
    json out = docs.size() == 1
                   ? docs.front()
                   : json{{"apiVersion", "caravanserai/v1"}, {"kind", "List"}, {"items", docs}};
    *ctx.out << out.dump(2) << "\n";
    return;
  }
  for (size_t i = 0; i < docs.size(); ++i) *ctx.out << (i ? "---\n" : "") << RenderYaml(docs[i]);
}

}  // namespace

int RunSeal(const CliContext& ctx, const SealOptions& o) {
  if (ctx.format != OutputFormat::kYaml && ctx.format != OutputFormat::kJson &&
      ctx.format != OutputFormat::kTable) {
    return ReportError(ctx, "seal prints -o yaml (the default) or -o json", kExitInvalid);
  }
  gitops::ManifestSet set;
  int loaded = LoadManifestsOrReport(ctx, o.path, "sealed", "", &set);
  if (loaded != kExitOk) return loaded;
  std::optional<security::SealingPublicKey> key;
  if (int rc = PublicKeyOrReport(ctx, o, &key); rc != kExitOk) return rc;
  std::vector<json> docs;
  int values = 0, secrets = 0;
  for (auto& m : set.manifests) {
    json doc = m.document.ReleaseValue();
    if (m.kind == api::kKindSecret) {
      auto sealed = SealDocument(doc, m.name, *key);
      if (!sealed.ok())
        return ReportError(ctx, "seal secret/" + m.name + ": " + sealed.status().message());
      values += *sealed;
      secrets += *sealed > 0;
    }
    docs.push_back(std::move(doc));
  }
  PrintDocuments(ctx, docs);
  *ctx.err << "sealed " << values << " value(s) in " << secrets << " Secret(s) for the cluster key "
           << key->Fingerprint() << "\n";
  return kExitOk;
}

}  // namespace cara::cli
