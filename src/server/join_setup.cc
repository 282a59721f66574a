#include "server/join_setup.h"

#include "security/atomic_file.h"
#include "security/ca_hash.h"
#include "security/join_token.h"
#include "security/token.h"
#include "server/token_issuer.h"

namespace cara::server {
namespace {

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// The credential of an existing join.token, or a fresh one.
Result<std::string> ExistingOrNewCredential(const std::string& path, bool* generated) {
  Result<std::string> text = security::ReadWholeFile(path);
  if (text.ok()) {
    Result<security::JoinToken> parsed = security::ParseJoinToken(Trimmed(*text));
    if (!parsed.ok()) return parsed.status().Wrap(path);
    return parsed->credential;
  }
  if (text.status().code() != Code::kNotFound) return text.status();
  *generated = true;
  Result<security::NewToken> fresh = security::GenerateToken();
  if (!fresh.ok()) return fresh.status();
  return fresh->token;
}

}  // namespace

Result<JoinSetup> SetUpJoining(store::Store& store, Clock& clock, const std::string& data_dir,
                               const std::string& pki_dir, const std::string& serving_cert_file) {
  JoinSetup setup;
  setup.token_path = data_dir + "/join.token";
  Result<std::string> chain = security::ReadWholeFile(serving_cert_file);
  if (!chain.ok()) return chain.status();
  Result<std::string> root = security::LastCertificatePem(*chain);
  if (!root.ok()) return root.status().Wrap(serving_cert_file);
  Result<std::string> pin = security::CaCertSha256(*root);
  if (!pin.ok()) return pin.status().Wrap(serving_cert_file);
  setup.ca_pem = *root;

  Result<std::string> credential = ExistingOrNewCredential(setup.token_path, &setup.generated);
  if (!credential.ok()) return credential.status();
  setup.join_token = security::FormatJoinToken({*pin, *credential});
  CARA_RETURN_IF_ERROR(security::MakePrivateDirectory(data_dir));
  CARA_RETURN_IF_ERROR(
      security::WriteFileAtomically(setup.token_path, setup.join_token + "\n", 0600));
  CARA_RETURN_IF_ERROR(EnsureStartupToken(store, *credential, api::Role::kJoin,
                                          "join token (start-up)", clock.Now()));
  setup.authority = {pki_dir + "/ca.crt", pki_dir + "/ca.key", *pin};
  return setup;
}

}  // namespace cara::server
