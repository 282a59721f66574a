// A file's permission bits and its whole text, for tests of what a program
// wrote (secrets 0600, logs without them).
#pragma once

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

namespace cara::testing {

inline mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// "" when the file cannot be read.
inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace cara::testing
