// What cara-server needs to admit nodes, made at start-up: the join token
// file and its credential, and the CA that signs the nodes' certificates.
//
//   <data dir>/join.token   K10<SHA-256 of the CA>::<credential>, 0600
//
// The credential is generated once and registered (role join) at every
// start, so the file keeps working across restarts; when the CA changes
// (operator certificates), the file is rewritten with the new hash.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "server/api_server.h"
#include "store/store.h"

namespace cara::server {

struct JoinSetup {
  JoinAuthority authority;
  std::string join_token;   // the whole K10... text: a secret, never logged
  std::string ca_pem;       // the CA clients and agents trust
  std::string token_path;   // <data dir>/join.token
  bool generated = false;   // this start wrote a new credential
};

// `serving_cert_file` is the certificate the API serves (its chain ends in
// the CA a join token pins); `pki_dir` holds the cluster CA (ca.crt, ca.key).
Result<JoinSetup> SetUpJoining(store::Store& store, Clock& clock, const std::string& data_dir,
                               const std::string& pki_dir, const std::string& serving_cert_file);

}  // namespace cara::server
