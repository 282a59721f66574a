#include "api/client_config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "common/go_quote.h"

namespace cara::api {

namespace {

constexpr char kApiVersion[] = "caravanserai.io/v1";
constexpr char kKind[] = "Config";
constexpr char kPemCertificate[] = "-----BEGIN CERTIFICATE-----";

// "file:line:col: message" at `node`'s position (yaml-cpp counts from 0).
Status ErrorAt(const std::string& filename, const YAML::Mark& mark, const std::string& message) {
  return Status::Invalid(filename + ":" + std::to_string(mark.line + 1) + ":" +
                         std::to_string(mark.column + 1) + ": " + message);
}

class ConfigReader {
 public:
  explicit ConfigReader(std::string filename) : filename_(std::move(filename)) {}

  Result<ClientConfig> Read(const YAML::Node& root);

 private:
  Status Error(const YAML::Node& node, const std::string& message) const {
    return ErrorAt(filename_, node.Mark(), message);
  }
  Result<std::string> String(const YAML::Node& key, const YAML::Node& value) const;
  Status ReadContext(const YAML::Node& node, ClientContext* out) const;
  Status ReadContextField(const YAML::Node& key, const YAML::Node& value, ClientContext* out) const;
  Status ReadContexts(const YAML::Node& node, ClientConfig* out) const;

  std::string filename_;
};

Result<std::string> ConfigReader::String(const YAML::Node& key, const YAML::Node& value) const {
  if (!value.IsScalar()) return Error(value, GoQuote(key.Scalar()) + " must be a string");
  return value.Scalar();
}

Status ConfigReader::ReadContextField(const YAML::Node& key, const YAML::Node& value,
                                      ClientContext* out) const {
  const std::string& name = key.Scalar();
  if (name == "insecure-skip-tls-verify") {
    if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
      return Error(value, "\"insecure-skip-tls-verify\" must be true or false");
    }
    out->insecure_skip_tls_verify = value.Scalar() == "true";
    return Status::Ok();
  }
  std::string* field = name == "name"                         ? &out->name
                       : name == "server"                     ? &out->server
                       : name == "certificate-authority"      ? &out->certificate_authority
                       : name == "certificate-authority-data" ? &out->certificate_authority_data
                       : name == "token"                      ? &out->token
                                                              : nullptr;
  if (!field) return Error(key, "unknown field " + GoQuote(name) + " in a context");
  Result<std::string> text = String(key, value);
  if (!text.ok()) return text.status();
  *field = *text;
  if (field != &out->certificate_authority_data) return Status::Ok();
  std::vector<unsigned char> pem = YAML::DecodeBase64(*text);
  *field = std::string(pem.begin(), pem.end());
  if (field->find(kPemCertificate) == std::string::npos) {
    return Error(value, "\"certificate-authority-data\" must be the base64 of a PEM certificate");
  }
  return Status::Ok();
}

Status ConfigReader::ReadContext(const YAML::Node& node, ClientContext* out) const {
  if (!node.IsMap()) return Error(node, "a context must be a mapping");
  for (const auto& field : node) {
    Status s = ReadContextField(field.first, field.second, out);
    if (!s.ok()) return s;
  }
  if (out->name.empty()) return Error(node, "a context needs a \"name\"");
  if (out->server.empty())
    return Error(node, "context " + GoQuote(out->name) + " needs a \"server\"");
  if (!out->certificate_authority.empty() && !out->certificate_authority_data.empty()) {
    return Error(node, "context " + GoQuote(out->name) +
                           ": give \"certificate-authority\" or \"certificate-authority-data\", "
                           "not both");
  }
  return Status::Ok();
}

Status ConfigReader::ReadContexts(const YAML::Node& node, ClientConfig* out) const {
  if (node.IsNull()) return Status::Ok();
  if (!node.IsSequence()) return Error(node, "\"contexts\" must be a list");
  std::set<std::string> names;
  for (const auto& item : node) {
    ClientContext context;
    Status s = ReadContext(item, &context);
    if (!s.ok()) return s;
    if (!names.insert(context.name).second) {
      return Error(item, "duplicate context " + GoQuote(context.name));
    }
    out->contexts.push_back(std::move(context));
  }
  return Status::Ok();
}

Result<ClientConfig> ConfigReader::Read(const YAML::Node& root) {
  ClientConfig config;
  if (root.IsNull()) return config;  // an empty file: no contexts yet
  if (!root.IsMap()) return Error(root, "the config must be a mapping");
  YAML::Node current;
  for (const auto& field : root) {
    const std::string& key = field.first.Scalar();
    Status s = Status::Ok();
    if (key == "contexts") {
      s = ReadContexts(field.second, &config);
    } else if (key == "current-context") {
      current = field.second;
      Result<std::string> name = String(field.first, field.second);
      if (name.ok()) config.current_context = *name;
      s = name.status();
    } else if (key == "apiVersion" || key == "kind") {
      const char* expected = key == "kind" ? kKind : kApiVersion;
      if (!field.second.IsScalar() || field.second.Scalar() != expected) {
        s = Error(field.second, GoQuote(key) + " must be " + GoQuote(expected));
      }
    } else {
      s = Error(field.first, "unknown field " + GoQuote(key));
    }
    if (!s.ok()) return s;
  }
  if (!config.current_context.empty() && !config.Find(config.current_context)) {
    return Error(current, "current-context " + GoQuote(config.current_context) +
                              " names no context in this file");
  }
  return config;
}

}  // namespace

const ClientContext* ClientConfig::Find(const std::string& name) const {
  for (const auto& c : contexts) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

ClientContext* ClientConfig::Find(const std::string& name) {
  return const_cast<ClientContext*>(static_cast<const ClientConfig*>(this)->Find(name));
}

Result<ClientConfig> ParseClientConfig(const std::string& text, const std::string& filename) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return ErrorAt(filename, e.mark, e.msg);
  }
  try {
    return ConfigReader(filename).Read(root);
  } catch (const YAML::Exception& e) {  // yaml-cpp throws on malformed access
    return ErrorAt(filename, e.mark, e.msg);
  }
}

std::string EmitClientConfig(const ClientConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << kApiVersion;
  out << YAML::Key << "kind" << YAML::Value << kKind;
  out << YAML::Key << "current-context" << YAML::Value << config.current_context;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : config.contexts) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << c.name;
    out << YAML::Key << "server" << YAML::Value << c.server;
    if (!c.certificate_authority.empty()) {
      out << YAML::Key << "certificate-authority" << YAML::Value << c.certificate_authority;
    }
    if (!c.certificate_authority_data.empty()) {
      const auto* data =
          reinterpret_cast<const unsigned char*>(c.certificate_authority_data.data());
      out << YAML::Key << "certificate-authority-data" << YAML::Value
          << YAML::EncodeBase64(data, c.certificate_authority_data.size());
    }
    if (c.insecure_skip_tls_verify) {
      out << YAML::Key << "insecure-skip-tls-verify" << YAML::Value << true;
    }
    if (!c.token.empty()) out << YAML::Key << "token" << YAML::Value << c.token;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

ClientConfig RedactTokens(ClientConfig config) {
  for (auto& c : config.contexts) {
    if (!c.token.empty()) c.token = "REDACTED";
  }
  return config;
}

ClientConfig AdminClientConfig(const std::string& server_url, const std::string& ca_pem,
                               const std::string& token) {
  ClientConfig config;
  config.current_context = "default";
  ClientContext context;
  context.name = "default";
  context.server = server_url;
  context.certificate_authority_data = ca_pem;
  context.token = token;
  config.contexts.push_back(std::move(context));
  return config;
}

}  // namespace cara::api
