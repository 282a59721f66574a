// The files of the SQLite store are private to their owner: the database
// holds every env value of every project. SQLite creates files 0644 (less the
// umask) and gives the -wal and -shm files the mode of the database file, so
// the database file is created 0600 before SQLite first opens it.
#pragma once

#include <string>

#include "common/status.h"

namespace cara::store {

// Run before SQLite opens `path`. Creates a missing directory 0700 (or, with
// private_directory, makes an existing one 0700: cara-server's --data-dir
// holds nothing else), creates a missing database file 0600, and makes the
// database, -wal, -shm, -journal and .leader files an older version left
// open 0600. Each change to an existing path is logged; a path that cannot be
// changed is logged and left as it is (SQLite reports what it cannot open).
Status PrepareSqliteFiles(const std::string& path, bool private_directory);

}  // namespace cara::store
