#include "support/caractrl.h"

#include <stdexcept>
#include <utility>

#include "support/http_client.h"

namespace cara::testing {

std::map<std::string, std::string> CaractrlEnv(const std::string& url,
                                               std::map<std::string, std::string> extra) {
  net::ClientCredentials credentials = DefaultCredentials(url);
  extra["CARA_SERVER"] = url;
  if (!credentials.token.empty()) extra["CARA_TOKEN"] = credentials.token;
  if (!credentials.tls.ca_file.empty()) extra["CARA_CA_FILE"] = credentials.tls.ca_file;
  return extra;
}

ProcessResult RunCaractrl(const TestServer& server, std::vector<std::string> args,
                          const std::string& stdin_text) {
  return RunCaractrlWith(server, DefaultCredentials(server.url()), std::move(args), stdin_text);
}

ProcessResult RunCaractrlWith(const TestServer& server, const net::ClientCredentials& credentials,
                              std::vector<std::string> args, const std::string& stdin_text) {
  if (!credentials.tls.ca_pem.empty() && credentials.tls.ca_file.empty()) {
    throw std::invalid_argument("RunCaractrlWith: give caractrl the CA as a file (tls.ca_file)");
  }
  std::map<std::string, std::string> env = {{"CARA_SERVER", server.url()}};
  if (!credentials.token.empty()) env["CARA_TOKEN"] = credentials.token;
  if (!credentials.tls.ca_file.empty()) env["CARA_CA_FILE"] = credentials.tls.ca_file;
  if (credentials.tls.insecure_skip_verify) args.insert(args.begin(), "--insecure-skip-tls-verify");
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(args, env, stdin_text);
}

}  // namespace cara::testing
