// Certificates for the server <-> agent channel: an agent's serving
// certificate (CN node:<nodeName>), asked for with a CSR and signed by the
// cluster CA, and the server's client certificate (CN cara-server) it
// presents to agents. Both sides check the peer's CN, so a node's
// certificate cannot pose as the server or as another node.
#pragma once

#include <string>

#include "common/status.h"
#include "security/certificate.h"
#include "security/openssl_ptr.h"

namespace cara::security {

// The only client CN an agent accepts on its API.
inline constexpr char kServerClientCommonName[] = "cara-server";

// "node:<node_name>", the CN of a node's serving certificate.
std::string NodeCommonName(const std::string& node_name);

struct NodeKeyAndCsr {
  std::string key_pem;  // stays on the node
  std::string csr_pem;  // sent to the server
};

// A fresh P-256 key and a CSR for it with CN node:<node_name> and
// `advertise_ip` as its iPAddress subjectAltName (dNSName if not an IP).
Result<NodeKeyAndCsr> NewNodeKeyAndCsr(const std::string& node_name,
                                       const std::string& advertise_ip);

// Signs `csr_pem` with the CA in `ca_cert_pem`/`ca_key_pem`. Only the CSR's
// public key (after its self-signature checks out) and its IP/DNS
// subjectAltNames are taken: the CN is forced to node:<node_name>,
// whatever the CSR asks, the certificate is CA:FALSE with EKU serverAuth,
// valid for a year. Returns the certificate's PEM.
Result<std::string> SignNodeCertificate(const std::string& ca_cert_pem,
                                        const std::string& ca_key_pem, const std::string& csr_pem,
                                        const std::string& node_name);

}  // namespace cara::security
