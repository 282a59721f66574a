// A file's permission bits and its whole text, for tests of what a program
// wrote (secrets 0600, logs without them, log lines counted).
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

// How often `what` occurs in `text` (a log: rounds of a kind so far).
inline size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace cara::testing
