#include "support/cara_server_binary.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "support/eventually.h"
#include "support/file_contents.h"
#include "support/http_client.h"

namespace cara::testing {
namespace {

bool Has(const std::vector<std::string>& flags, const std::string& flag) {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

std::string FirstLine(std::string text) {
  text = text.substr(0, text.find('\n'));
  return text;
}

}  // namespace

CaraServerBinary::CaraServerBinary(const std::string& data_dir,
                                   const std::vector<std::string>& flags,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& log_path, int port)
    : port_(port != 0 ? port : FreeLoopbackPort()) {
  const bool https = !Has(flags, "--insecure-http");
  url_ = std::string(https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  if (https) ca_file_ = data_dir + "/pki/ca.crt";
  std::vector<std::string> argv = {BuiltBinary("cara-server"), "--host",     "127.0.0.1", "--port",
                                   std::to_string(port_),      "--data-dir", data_dir};
  argv.insert(argv.end(), flags.begin(), flags.end());
  process_ = std::make_unique<BackgroundProcess>(argv, env, log_path);
  // The CA exists before the server listens; readiness needs no token.
  net::ClientCredentials trust{"", {}};
  trust.tls.ca_file = ca_file_;
  REQUIRE(Eventually([&] { return HttpClient(url_, trust).Get("/api/readyz").status == 200; }));
  admin_token_ = FirstLine(ReadAll(data_dir + "/admin.token"));
  RegisterDefaultCredentials(url_, admin());
}

CaraServerBinary::~CaraServerBinary() { ForgetDefaultCredentials(url_); }

net::ClientCredentials CaraServerBinary::admin() const {
  net::ClientCredentials admin{admin_token_, {}};
  admin.tls.ca_file = ca_file_;
  return admin;
}

}  // namespace cara::testing
