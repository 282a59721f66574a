#include "support/tls_server.h"

#include <stdexcept>

#include "net/problem.h"
#include "security/atomic_file.h"
#include "security/ca_hash.h"

namespace cara::testing {

namespace {

security::Pki MakePki(const std::string& dir) {
  Result<security::Pki> pki = security::EnsurePki(dir, {});
  if (!pki.ok()) throw std::runtime_error("EnsurePki: " + pki.status().message());
  return *pki;
}

std::string ReadOrThrow(const std::string& path) {
  Result<std::string> text = security::ReadWholeFile(path);
  if (!text.ok()) throw std::runtime_error(text.status().message());
  return *text;
}

}  // namespace

TlsServer::TlsServer(Options options) : pki_(MakePki(dir_.path())), host_(options.host) {
  // pki's server.crt already ends with the CA (a chain); a server that does
  // not send its CA serves the first certificate alone.
  std::string cert_file = pki_.server_cert_file;
  if (!options.ca_in_chain) {
    std::string chain = ReadOrThrow(pki_.server_cert_file);
    const std::string end = "-----END CERTIFICATE-----\n";
    cert_file = dir_.path() + "/leaf.crt";
    Status written = security::WriteFileAtomically(
        cert_file, chain.substr(0, chain.find(end) + end.size()), 0644);
    if (!written.ok()) throw std::runtime_error(written.message());
  }
  server_ = std::make_unique<httplib::SSLServer>(cert_file.c_str(), pki_.server_key_file.c_str());
  if (!server_->is_valid()) throw std::runtime_error("SSLServer: invalid certificate or key");
  server_->set_tcp_nodelay(true);
  server_->Get("/api/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  std::string token = options.required_token;
  auto echo = [token](const httplib::Request& req, httplib::Response& res) {
    std::string auth = req.get_header_value("Authorization");
    if (!token.empty() && auth != "Bearer " + token) {
      res.status = 401;
      res.set_content(net::ProblemBody(401, "a valid bearer token is required"),
                      net::kProblemContentType);
    } else if (req.path == "/api/version") {
      res.set_content(R"({"version":"9.9.9","commit":"tls","built":"today"})", "application/json");
    } else {
      if (req.method == "POST") res.status = 201;
      res.set_content(auth, "text/plain");
    }
  };
  server_->Get(".*", echo);
  server_->Post(".*", echo);
  port_ = server_->bind_to_any_port(host_);
  if (port_ <= 0) throw std::runtime_error("SSLServer: cannot bind");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

TlsServer::~TlsServer() {
  server_->stop();
  thread_.join();
}

std::string TlsServer::url() const { return "https://" + host_ + ":" + std::to_string(port_); }

std::string TlsServer::ca_sha256() const { return *security::CaCertSha256(pki_.ca_cert_pem); }

StrangerCa::StrangerCa() : ca_file(MakePki(dir.path()).ca_cert_file) {}

}  // namespace cara::testing
