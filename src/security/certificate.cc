#include "security/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <ctime>

namespace cara::security {
namespace {

// Certificates start an hour in the past so a node whose clock runs a little
// behind the server's still accepts a certificate issued a moment ago.
constexpr long kClockSkewSeconds = 3600;

Status Failed(const std::string& what) {
  return Status::Internal("cannot " + what + ": " + OpenSslError());
}

bool IsIpAddress(const std::string& name) {
  Asn1OctetStringPtr ip(a2i_IPADDRESS(name.c_str()));
  ERR_clear_error();
  return ip != nullptr;
}

// A certificate with version 3, a random 128-bit serial, the validity window
// and the subject common name filled in; extensions and signature to follow.
Result<X509Ptr> NewCert(EVP_PKEY* key, const std::string& common_name, int days) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return Failed("create certificate");
  }
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) return Failed("draw serial number");
  serial_bytes[0] &= 0x7f;  // positive and at most 16 bytes once DER-encoded
  BignumPtr serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return Failed("set serial number");
  }
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kClockSkewSeconds) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr)) {
    return Failed("set validity");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("caravanserai"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1) {
    return Failed("set subject");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return Failed("set public key");
  return cert;
}

// Adds extensions given in openssl.cnf syntax ("critical,CA:TRUE"); the
// context names the issuer so subject/authority key identifiers resolve.
Status AddExtensions(X509* cert, X509* issuer,
                     const std::vector<std::pair<int, const char*>>& extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
      return Failed(std::string("add extension ") + OBJ_nid2sn(nid) + "=" + value);
    }
  }
  return Status::Ok();
}

Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& sans) {
  Result<GeneralNamesPtr> names = SubjectAltNames(sans);
  if (!names.ok()) return names.status();
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names->get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return Failed("add subjectAltName");
  }
  return Status::Ok();
}

Status Sign(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) return Failed("sign certificate");
  return Status::Ok();
}

}  // namespace

// Built entry by entry, so no name can smuggle in a second entry the way a
// comma in an openssl.cnf string could.
Result<GeneralNamesPtr> SubjectAltNames(const std::vector<std::string>& sans) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return Failed("allocate subjectAltName");
  for (const std::string& san : sans) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (!name || !sk_GENERAL_NAME_push(names.get(), name)) {
      GENERAL_NAME_free(name);
      return Failed("allocate subjectAltName");
    }
    if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(san.c_str())) {
      GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
      continue;
    }
    ERR_clear_error();
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (!dns || ASN1_STRING_set(dns, san.data(), static_cast<int>(san.size())) != 1) {
      ASN1_IA5STRING_free(dns);
      return Failed("encode subjectAltName " + san);
    }
    GENERAL_NAME_set0_value(name, GEN_DNS, dns);
  }
  return names;
}

Result<PkeyPtr> GenerateP256Key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Failed("generate P-256 key");
  return key;
}

Result<X509Ptr> IssueCaCert(EVP_PKEY* key, int days) {
  std::string common_name = "caravanserai-ca@" + std::to_string(std::time(nullptr));
  Result<X509Ptr> cert = NewCert(key, common_name, days);
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1) return Failed("set issuer");
  CARA_RETURN_IF_ERROR(
      AddExtensions(x, x,
                    {{NID_basic_constraints, "critical,CA:TRUE"},
                     {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                     {NID_subject_key_identifier, "hash"},
                     {NID_authority_key_identifier, "keyid:always"}}));
  CARA_RETURN_IF_ERROR(Sign(x, key));
  return cert;
}

Result<X509Ptr> IssueLeafCert(EVP_PKEY* key, X509* ca_cert, EVP_PKEY* ca_key,
                              const LeafCertSpec& spec) {
  Result<X509Ptr> cert = NewCert(key, spec.common_name, spec.days);
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  if (X509_set_issuer_name(x, X509_get_subject_name(ca_cert)) != 1) return Failed("set issuer");
  CARA_RETURN_IF_ERROR(AddExtensions(x, ca_cert,
                                     {{NID_basic_constraints, "critical,CA:FALSE"},
                                      {NID_key_usage, "critical,digitalSignature"},
                                      {NID_ext_key_usage, spec.extended_key_usage},
                                      {NID_subject_key_identifier, "hash"},
                                      {NID_authority_key_identifier, "keyid:always"}}));
  if (!spec.sans.empty()) CARA_RETURN_IF_ERROR(AddSubjectAltNames(x, spec.sans));
  CARA_RETURN_IF_ERROR(Sign(x, ca_key));
  return cert;
}

Result<X509Ptr> IssueServerCert(EVP_PKEY* key, X509* ca_cert, EVP_PKEY* ca_key,
                                const std::vector<std::string>& sans, int days) {
  return IssueLeafCert(key, ca_cert, ca_key, {"caravanserai-server", "serverAuth", sans, days});
}

Result<X509Ptr> IssueClientCert(EVP_PKEY* key, X509* ca_cert, EVP_PKEY* ca_key,
                                const std::string& common_name, int days) {
  return IssueLeafCert(key, ca_cert, ca_key, {common_name, "clientAuth", {}, days});
}

std::string CommonName(X509* cert) {
  X509_NAME* subject = cert ? X509_get_subject_name(cert) : nullptr;
  if (!subject) return "";
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

bool CoversName(X509* cert, const std::string& name) {
  bool covered = IsIpAddress(name)
                     ? X509_check_ip_asc(cert, name.c_str(), 0) == 1
                     : X509_check_host(cert, name.data(), name.size(),
                                       X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1;
  ERR_clear_error();
  return covered;
}

bool ExpiresWithin(X509* cert, long seconds) {
  std::time_t then = std::time(nullptr) + seconds;
  return X509_cmp_time(X509_get0_notAfter(cert), &then) <= 0;
}

bool IsSignedBy(X509* cert, EVP_PKEY* issuer_key) {
  bool signed_by = X509_verify(cert, issuer_key) == 1;
  ERR_clear_error();
  return signed_by;
}

Result<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return Failed("encode certificate");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Failed("encode private key");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<X509Ptr> CertFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return Status::Invalid("not a PEM certificate: " + OpenSslError());
  return cert;
}

Result<PkeyPtr> KeyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // Without a callback OpenSSL would prompt on the terminal for the
  // passphrase of an encrypted key; a server must fail instead of hanging.
  auto no_passphrase = [](char*, int, int, void*) { return -1; };
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!key) return Status::Invalid("not a PEM private key: " + OpenSslError());
  return key;
}

}  // namespace cara::security
