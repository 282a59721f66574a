// The real cara-server binary on a loopback port, for tests of what only the
// process does (flags, files in its data dir, several replicas). Secure like
// a deployment (HTTPS with the PKI it makes, tokens) unless the flags say
// --insecure-http / --no-auth; the admin credentials it writes to its data
// dir are registered as the default credentials of url().
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/https_client.h"
#include "support/process.h"

namespace cara::testing {

class CaraServerBinary {
 public:
  // Runs cara-server --host 127.0.0.1 --port <free> --data-dir `data_dir`
  // `flags`, with `env` added, its output in `log_path`, and waits until it
  // is ready. Fails the test if it does not get ready. A `port` other than
  // 0 is used instead of a free one (a restart on the same address).
  CaraServerBinary(const std::string& data_dir, const std::vector<std::string>& flags,
                   const std::map<std::string, std::string>& env, const std::string& log_path,
                   int port = 0);
  ~CaraServerBinary();  // SIGKILL, as a crash would

  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // <data dir>/pki/ca.crt over HTTPS, else "".
  const std::string& ca_file() const { return ca_file_; }
  // What the server wrote to <data dir>/admin.token, "" if it wrote none.
  const std::string& admin_token() const { return admin_token_; }
  // ca_file() and admin_token(), as registered for url().
  net::ClientCredentials admin() const;
  BackgroundProcess& process() { return *process_; }

 private:
  int port_;
  std::string url_;
  std::string ca_file_;
  std::string admin_token_;
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace cara::testing
