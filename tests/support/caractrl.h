// Running the real caractrl binary against a test server, as a user would.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "net/https_client.h"
#include "support/process.h"
#include "support/test_server.h"

namespace cara::testing {

// The environment to run caractrl against `url` by hand: CARA_SERVER, plus
// CARA_TOKEN and CARA_CA_FILE from the credentials registered for `url`
// (none for a plain server), plus `extra`.
std::map<std::string, std::string> CaractrlEnv(const std::string& url,
                                               std::map<std::string, std::string> extra = {});

// caractrl ARGS with CARA_SERVER pointing at `server` and the credentials
// registered for its URL (RegisterDefaultCredentials); stdin_text is its input.
ProcessResult RunCaractrl(const TestServer& server, std::vector<std::string> args,
                          const std::string& stdin_text = "");

// The same with exactly `credentials`: the token as CARA_TOKEN, the CA file
// as CARA_CA_FILE (CA PEM alone cannot be passed: use a file),
// --insecure-skip-tls-verify when asked.
ProcessResult RunCaractrlWith(const TestServer& server, const net::ClientCredentials& credentials,
                              std::vector<std::string> args, const std::string& stdin_text = "");

}  // namespace cara::testing
