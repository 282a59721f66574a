// A real, throwaway PostgreSQL server for tests: initdb into a temp dir, start
// on a private loopback port, stop at process exit. If CARA_TEST_DATABASE_URL
// is set, or CARA_TEST_DATABASE_URL_FILE names a readable file holding a URL
// (ctest's shared server, tests/support/postgres-fixture.sh), that server is
// used instead. Failing to start is a test failure, never a skip. A server
// of its own runs without fsync unless CARA_TEST_POSTGRES_DURABLE=1.
#pragma once

#include <string>

namespace cara::testing {

class PostgresServer {
 public:
  // Starts the shared server on first use (thread-safe).
  static PostgresServer& Shared();

  // A URL for a brand-new, empty database on the server (CREATE DATABASE
  // with a unique name), so tests never see each other's rows.
  std::string FreshDatabaseUrl();

  // Stops the server (also done automatically at exit). For crash tests.
  void Stop();

 private:
  PostgresServer();
  ~PostgresServer();
  struct Impl;
  Impl* impl_;
};

}  // namespace cara::testing
