// Which certificate cara-server serves HTTPS with: the operator's own
// (--tls-cert-file/--tls-key-file) or one from the zero-setup cluster PKI
// under <data dir>/pki, valid for the names clients use to reach it.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "net/http_server.h"

namespace cara::server {

struct ServingTlsFlags {
  std::string cert_file;  // both or neither
  std::string key_file;
  std::vector<std::string> sans;  // extra names for the generated certificate
};

// The names the generated server certificate must cover besides localhost,
// 127.0.0.1 and the host name: `sans`, then the listen host unless it is a
// wildcard (0.0.0.0, ::), which names no address a client could dial.
std::vector<std::string> ServingNames(const std::vector<std::string>& sans,
                                      const std::string& listen_host);

// The TLS options for the API server. Errors (exactly one of the two files
// given, a file that cannot be read, a PKI that cannot be made) say which
// flag or file is at fault.
Result<net::TlsServerOptions> ResolveServingTls(const ServingTlsFlags& flags,
                                                const std::string& data_dir,
                                                const std::string& listen_host);

}  // namespace cara::server
