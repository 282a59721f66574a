#include "server/serving_tls.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "security/pki.h"

namespace cara::server {
namespace {

bool IsWildcard(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

Status Readable(const std::string& flag, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::Invalid(flag + " " + path + " cannot be read: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> ServingNames(const std::vector<std::string>& sans,
                                      const std::string& listen_host) {
  std::vector<std::string> names = sans;
  if (!IsWildcard(listen_host) &&
      std::find(names.begin(), names.end(), listen_host) == names.end()) {
    names.push_back(listen_host);
  }
  return names;
}

Result<net::TlsServerOptions> ResolveServingTls(const ServingTlsFlags& flags,
                                                const std::string& data_dir,
                                                const std::string& listen_host) {
  net::TlsServerOptions tls;
  if (flags.cert_file.empty() != flags.key_file.empty()) {
    return Status::Invalid("--tls-cert-file and --tls-key-file go together: give both or neither");
  }
  if (!flags.cert_file.empty()) {
    CARA_RETURN_IF_ERROR(Readable("--tls-cert-file", flags.cert_file));
    CARA_RETURN_IF_ERROR(Readable("--tls-key-file", flags.key_file));
    tls.cert_file = flags.cert_file;
    tls.key_file = flags.key_file;
    return tls;
  }
  Result<security::Pki> pki = security::EnsurePki(data_dir, ServingNames(flags.sans, listen_host));
  if (!pki.ok()) return pki.status().Wrap("cluster PKI");
  tls.cert_file = pki->server_cert_file;
  tls.key_file = pki->server_key_file;
  return tls;
}

}  // namespace cara::server
