// caractrl's connection to a TestServer as its admin, for tests that drive
// the cli library (ApiClient, plan execution) in process.
#pragma once

#include "cli/api_client.h"
#include "support/test_server.h"

namespace cara::testing {

inline cli::ApiConnection AdminConnection(const TestServer& server) {
  cli::ApiConnection c;
  c.server = server.url();
  c.token = server.admin_token();
  c.tls.ca_file = server.ca_file();
  return c;
}

}  // namespace cara::testing
