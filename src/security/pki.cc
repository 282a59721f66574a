#include "security/pki.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <utility>

#include "security/atomic_file.h"
#include "security/certificate.h"
#include "security/node_certificate.h"

namespace cara::security {
namespace {

namespace fs = std::filesystem;

constexpr int kCaValidityDays = 3650;
constexpr int kServerValidityDays = 365;
// A server certificate this close to its end is replaced at start-up, so a
// server restarted now and then never serves an expired one.
constexpr long kRenewBeforeSeconds = 30L * 24 * 3600;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;

struct KeyPair {
  X509Ptr cert;
  PkeyPtr key;
};

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

Result<X509Ptr> LoadCert(const std::string& path) {
  Result<std::string> pem = ReadWholeFile(path);
  if (!pem.ok()) return pem.status();
  Result<X509Ptr> cert = CertFromPem(*pem);
  if (!cert.ok()) return cert.status().Wrap(path);
  return cert;
}

Result<PkeyPtr> LoadKey(const std::string& path) {
  Result<std::string> pem = ReadWholeFile(path);
  if (!pem.ok()) return pem.status();
  Result<PkeyPtr> key = KeyFromPem(*pem);
  if (!key.ok()) return key.status().Wrap(path);
  return key;
}

Status WriteKey(const std::string& path, EVP_PKEY* key) {
  Result<std::string> pem = KeyToPem(key);
  if (!pem.ok()) return pem.status();
  return WriteFileAtomically(path, *pem, kKeyMode);
}

Status WriteCert(const std::string& path, X509* cert) {
  Result<std::string> pem = CertToPem(cert);
  if (!pem.ok()) return pem.status();
  return WriteFileAtomically(path, *pem, kCertMode);
}

// An exclusive flock(2) on a file in the PKI directory, held while the object
// lives. Replicas sharing a data dir may start at the same moment; without it
// two first starts could each write half of a CA (one's key, the other's
// certificate).
class DirLock {
 public:
  static Result<DirLock> Acquire(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
    DirLock lock(fd);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        return Status::Unavailable("cannot lock " + path + ": " + std::strerror(errno));
      }
    }
    return lock;
  }
  DirLock(DirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirLock& operator=(DirLock&&) = delete;
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

// The key is written before the certificate: a crash in between leaves a key
// without a certificate, which the next start completes. A certificate
// without its key is the one state it cannot repair.
Result<KeyPair> LoadOrCreateCa(Pki& pki) {
  bool has_cert = Exists(pki.ca_cert_file);
  if (has_cert && !Exists(pki.ca_key_file)) {
    return Status::Invalid(pki.ca_key_file + " is missing but " + pki.ca_cert_file +
                           " exists: restore the CA key, or remove both files to start a new "
                           "cluster CA (every joined agent must then join again)");
  }
  KeyPair ca;
  if (Exists(pki.ca_key_file)) {
    Result<PkeyPtr> key = LoadKey(pki.ca_key_file);
    if (!key.ok()) return key.status();
    ca.key = std::move(*key);
  } else {
    Result<PkeyPtr> key = GenerateP256Key();
    if (!key.ok()) return key.status();
    ca.key = std::move(*key);
    CARA_RETURN_IF_ERROR(WriteKey(pki.ca_key_file, ca.key.get()));
  }
  if (!has_cert) {
    Result<X509Ptr> cert = IssueCaCert(ca.key.get(), kCaValidityDays);
    if (!cert.ok()) return cert.status();
    CARA_RETURN_IF_ERROR(WriteCert(pki.ca_cert_file, cert->get()));
    ca.cert = std::move(*cert);
    pki.ca_created = true;
    return ca;
  }
  Result<X509Ptr> cert = LoadCert(pki.ca_cert_file);
  if (!cert.ok()) return cert.status();
  if (X509_check_private_key(cert->get(), ca.key.get()) != 1) {
    ERR_clear_error();  // the message below says all the queued detail would
    return Status::Invalid(pki.ca_key_file + " does not belong to " + pki.ca_cert_file);
  }
  ca.cert = std::move(*cert);
  return ca;
}

// localhost, 127.0.0.1, the host name, then the extra names; no duplicates,
// no empty entries (an empty item in a comma list is not a name).
std::vector<std::string> ServerNames(const std::vector<std::string>& extra) {
  std::vector<std::string> names = {"localhost", "127.0.0.1"};
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) names.emplace_back(host);
  names.insert(names.end(), extra.begin(), extra.end());
  std::vector<std::string> unique;
  for (const std::string& name : names) {
    if (!name.empty() && std::find(unique.begin(), unique.end(), name) == unique.end()) {
      unique.push_back(name);
    }
  }
  return unique;
}

// Whether a certificate issued by the CA can be used as it is (it matches
// its key, chains to the current CA, is not about to expire and `fits`).
// Files that exist but do not parse are errors; everything else is a reason
// to re-issue.
Result<bool> LeafUsable(const std::string& cert_file, const std::string& key_file,
                        const KeyPair& ca, const std::function<bool(X509*)>& fits) {
  if (!Exists(cert_file) || !Exists(key_file)) return false;
  Result<X509Ptr> cert = LoadCert(cert_file);
  if (!cert.ok()) return cert.status();
  Result<PkeyPtr> key = LoadKey(key_file);
  if (!key.ok()) return key.status();
  bool matches = X509_check_private_key(cert->get(), key->get()) == 1;
  ERR_clear_error();  // a mismatch queues an error; here it only means "re-issue"
  // X509_check_issued compares the issuer name and key identifier with the
  // CA's: a certificate the CA's key signed under an older CA certificate
  // would not chain to the current one.
  bool issued_by_ca = X509_check_issued(ca.cert.get(), cert->get()) == X509_V_OK;
  if (!matches || !issued_by_ca || !IsSignedBy(cert->get(), ca.key.get()) ||
      ExpiresWithin(cert->get(), kRenewBeforeSeconds)) {
    return false;
  }
  return fits(cert->get());
}

bool FileEndsWith(const std::string& path, const std::string& tail) {
  Result<std::string> text = ReadWholeFile(path);
  return text.ok() && text->size() >= tail.size() &&
         text->compare(text->size() - tail.size(), tail.size(), tail) == 0;
}

// Issues a certificate for a new key and writes both. Key first: a crash in
// between leaves a pair that does not match, which the next start re-issues.
// `chain_pem` (the CA) follows the certificate in its file, so a server
// serving the file sends its whole chain.
Status IssueLeafFiles(const std::string& cert_file, const std::string& key_file,
                      const std::string& chain_pem,
                      const std::function<Result<X509Ptr>(EVP_PKEY* key)>& issue) {
  Result<PkeyPtr> key = GenerateP256Key();
  if (!key.ok()) return key.status();
  Result<X509Ptr> cert = issue(key->get());
  if (!cert.ok()) return cert.status();
  Result<std::string> pem = CertToPem(cert->get());
  if (!pem.ok()) return pem.status();
  CARA_RETURN_IF_ERROR(WriteKey(key_file, key->get()));
  return WriteFileAtomically(cert_file, *pem + chain_pem, kCertMode);
}

// Makes sure cert_file/key_file hold a usable certificate, issuing one when
// not; true when it did.
Result<bool> EnsureLeaf(const std::string& cert_file, const std::string& key_file,
                        const KeyPair& ca, const std::string& chain_pem,
                        const std::function<bool(X509*)>& fits,
                        const std::function<Result<X509Ptr>(EVP_PKEY* key)>& issue) {
  Result<bool> usable = LeafUsable(cert_file, key_file, ca, fits);
  if (!usable.ok()) {
    Status error = usable.status();
    return Status(error.code(), error.message() + " (remove " + cert_file + " and " + key_file +
                                    " to issue new ones)");
  }
  if (*usable) return false;
  CARA_RETURN_IF_ERROR(IssueLeafFiles(cert_file, key_file, chain_pem, issue));
  return true;
}

}  // namespace

Result<Pki> EnsurePki(const std::string& data_dir, const std::vector<std::string>& sans) {
  Pki pki;
  pki.dir = (fs::path(data_dir) / "pki").string();
  pki.ca_cert_file = pki.dir + "/ca.crt";
  pki.ca_key_file = pki.dir + "/ca.key";
  pki.server_cert_file = pki.dir + "/server.crt";
  pki.server_key_file = pki.dir + "/server.key";
  pki.agent_client_cert_file = pki.dir + "/agent-client.crt";
  pki.agent_client_key_file = pki.dir + "/agent-client.key";
  CARA_RETURN_IF_ERROR(MakePrivateDirectory(pki.dir));
  Result<DirLock> lock = DirLock::Acquire(pki.dir + "/.lock");
  if (!lock.ok()) return lock.status();

  Result<KeyPair> ca = LoadOrCreateCa(pki);
  if (!ca.ok()) return ca.status();
  Result<std::string> ca_pem = CertToPem(ca->cert.get());
  if (!ca_pem.ok()) return ca_pem.status();
  std::vector<std::string> names = ServerNames(sans);
  // server.crt carries the CA after the server's certificate: an agent that
  // holds only a join token learns the CA from the TLS handshake and checks
  // it against the token's hash. A file from before that is issued again.
  Result<bool> server = EnsureLeaf(
      pki.server_cert_file, pki.server_key_file, *ca, *ca_pem,
      [&](X509* cert) {
        return FileEndsWith(pki.server_cert_file, *ca_pem) &&
               std::all_of(names.begin(), names.end(),
                           [&](const std::string& name) { return CoversName(cert, name); });
      },
      [&](EVP_PKEY* key) {
        return IssueServerCert(key, ca->cert.get(), ca->key.get(), names, kServerValidityDays);
      });
  if (!server.ok()) return server.status();
  pki.server_cert_issued = *server;
  Result<bool> client = EnsureLeaf(
      pki.agent_client_cert_file, pki.agent_client_key_file, *ca, "",
      [](X509* cert) { return CommonName(cert) == kServerClientCommonName; },
      [&](EVP_PKEY* key) {
        return IssueClientCert(key, ca->cert.get(), ca->key.get(), kServerClientCommonName,
                               kServerValidityDays);
      });
  if (!client.ok()) return client.status();
  pki.agent_client_cert_issued = *client;
  pki.ca_cert_pem = std::move(*ca_pem);
  return pki;
}

}  // namespace cara::security
