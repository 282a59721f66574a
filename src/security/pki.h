// The zero-setup PKI: a cluster CA, a server certificate and the server's
// client certificate for calling agents under <data dir>/pki/, created on first start and reused
// afterwards, so a fresh server serves HTTPS without an operator making certificates.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace cara::security {

struct Pki {
  std::string dir;  // <data dir>/pki, mode 0700
  std::string ca_cert_file;
  std::string ca_key_file;
  std::string server_cert_file;  // the server certificate followed by the CA (a chain)
  std::string server_key_file;
  std::string agent_client_cert_file;  // CN cara-server, clientAuth: calls agents
  std::string agent_client_key_file;
  std::string ca_cert_pem;                // what clients trust, and what join tokens pin
  bool ca_created = false;                // this call made a new CA
  bool server_cert_issued = false;        // this call wrote a new server certificate
  bool agent_client_cert_issued = false;  // ... a new agent client certificate
};

// Makes sure <data_dir>/pki holds a usable CA (ca.crt, ca.key), a server
// certificate (server.crt, server.key) signed by it, valid for localhost,
// 127.0.0.1, this machine's host name and every name in `sans` (IP addresses
// as iPAddress, others as dNSName), and a client certificate
// (agent-client.crt, agent-client.key; CN cara-server, clientAuth) the
// server presents to agents. Keys are 0600, certificates 0644, all
// PEM, each written to a temporary file and renamed into place.
//
// An existing CA is always kept: agents pin its hash. A leaf certificate
// is issued again (same CA, new key) when it is missing, not signed by the
// CA, does not match its key, lacks a requested name (the client
// certificate: its CN) or expires within 30 days. A file that exists but cannot be parsed is an
// error that names it: silently replacing a key could hide an operator's mistake. Calls from
// several processes sharing the data dir take turns (flock on pki/.lock).
Result<Pki> EnsurePki(const std::string& data_dir, const std::vector<std::string>& sans);

}  // namespace cara::security
