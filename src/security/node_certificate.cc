#include "security/node_certificate.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <utility>
#include <vector>

#include "security/certificate.h"

namespace cara::security {
namespace {

constexpr int kNodeCertValidityDays = 365;

Status Failed(const std::string& what) {
  return Status::Internal("cannot " + what + ": " + OpenSslError());
}

using ExtensionStackPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION), void (*)(STACK_OF(X509_EXTENSION)*)>;

void FreeExtensionStack(STACK_OF(X509_EXTENSION) * exts) {
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

Status AddSubjectAltNameRequest(X509_REQ* req, const std::string& name) {
  Result<GeneralNamesPtr> names = SubjectAltNames({name});
  if (!names.ok()) return names.status();
  ExtensionStackPtr exts(sk_X509_EXTENSION_new_null(), FreeExtensionStack);
  X509_EXTENSION* ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, names->get());
  if (!exts || !ext || !sk_X509_EXTENSION_push(exts.get(), ext)) {
    X509_EXTENSION_free(ext);
    return Failed("build subjectAltName request");
  }
  if (X509_REQ_add_extensions(req, exts.get()) != 1) return Failed("add subjectAltName request");
  return Status::Ok();
}

Result<std::string> CsrToPem(X509_REQ* req) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req) != 1) return Failed("encode CSR");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<X509ReqPtr> CsrFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509ReqPtr req(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!req) return Status::Invalid("not a PEM certificate request: " + OpenSslError());
  return req;
}

// The text of an iPAddress entry (4 or 16 bytes); "" for anything else.
std::string IpText(const ASN1_OCTET_STRING* ip) {
  char text[INET6_ADDRSTRLEN] = {};
  int length = ASN1_STRING_length(ip);
  int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
  if (family == 0 || !inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof(text))) return "";
  return text;
}

// The IP and DNS subjectAltNames the CSR asks for; other kinds are dropped.
std::vector<std::string> RequestedAltNames(X509_REQ* req) {
  std::vector<std::string> out;
  ExtensionStackPtr exts(X509_REQ_get_extensions(req), FreeExtensionStack);
  if (!exts) return out;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    std::string text;
    if (name->type == GEN_IPADD) text = IpText(name->d.iPAddress);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      text.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                  static_cast<size_t>(ASN1_STRING_length(dns)));
    }
    if (!text.empty()) out.push_back(std::move(text));
  }
  return out;
}

}  // namespace

std::string NodeCommonName(const std::string& node_name) { return "node:" + node_name; }

Result<NodeKeyAndCsr> NewNodeKeyAndCsr(const std::string& node_name,
                                       const std::string& advertise_ip) {
  Result<PkeyPtr> key = GenerateP256Key();
  if (!key.ok()) return key.status();
  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1) return Failed("create CSR");
  const std::string cn = NodeCommonName(node_name);
  if (X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_REQ_set_pubkey(req.get(), key->get()) != 1) {
    return Failed("fill CSR");
  }
  if (!advertise_ip.empty()) {
    CARA_RETURN_IF_ERROR(AddSubjectAltNameRequest(req.get(), advertise_ip));
  }
  if (X509_REQ_sign(req.get(), key->get(), EVP_sha256()) <= 0) return Failed("sign CSR");
  Result<std::string> csr_pem = CsrToPem(req.get());
  if (!csr_pem.ok()) return csr_pem.status();
  Result<std::string> key_pem = KeyToPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  return NodeKeyAndCsr{std::move(*key_pem), std::move(*csr_pem)};
}

Result<std::string> SignNodeCertificate(const std::string& ca_cert_pem,
                                        const std::string& ca_key_pem, const std::string& csr_pem,
                                        const std::string& node_name) {
  if (node_name.empty()) return Status::Invalid("node name is empty");
  Result<X509Ptr> ca_cert = CertFromPem(ca_cert_pem);
  if (!ca_cert.ok()) return ca_cert.status().Wrap("CA certificate");
  Result<PkeyPtr> ca_key = KeyFromPem(ca_key_pem);
  if (!ca_key.ok()) return ca_key.status().Wrap("CA key");
  Result<X509ReqPtr> req = CsrFromPem(csr_pem);
  if (!req.ok()) return req.status();
  // The public key is the one thing taken on trust, so the CSR must prove
  // its sender holds the matching private key.
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(req->get());
  if (!public_key || X509_REQ_verify(req->get(), public_key) != 1) {
    return Status::Invalid("certificate request signature does not verify: " + OpenSslError());
  }
  Result<X509Ptr> cert = IssueLeafCert(public_key, ca_cert->get(), ca_key->get(),
                                       {NodeCommonName(node_name), "serverAuth",
                                        RequestedAltNames(req->get()), kNodeCertValidityDays});
  if (!cert.ok()) return cert.status();
  return CertToPem(cert->get());
}

}  // namespace cara::security
