// UnifiedDiff: libgit2's diff of two texts, printed as a standard unified diff.
#include "gitops/text_diff.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using cara::gitops::UnifiedDiff;

TEST_CASE("UnifiedDiff of equal texts is empty", "[text_diff]") {
  CHECK(UnifiedDiff("", "", "a", "b").empty());
  CHECK(UnifiedDiff("x\ny\n", "x\ny\n", "a", "b").empty());
  CHECK(UnifiedDiff("no newline", "no newline", "a", "b").empty());
}

TEST_CASE("UnifiedDiff shows a changed line with context", "[text_diff]") {
  std::string before = "spec:\n    image: nginx:1.26\n    replicas: 2\n";
  std::string after = "spec:\n    image: nginx:1.27\n    replicas: 2\n";
  CHECK(UnifiedDiff(before, after, "live/project/web", "source/project/web") ==
        "--- live/project/web\n"
        "+++ source/project/web\n"
        "@@ -1,3 +1,3 @@\n"
        " spec:\n"
        "-    image: nginx:1.26\n"
        "+    image: nginx:1.27\n"
        "     replicas: 2\n");
}

TEST_CASE("UnifiedDiff shows added and removed lines", "[text_diff]") {
  SECTION("added in the middle") {
    CHECK(UnifiedDiff("a\nb\nc\n", "a\nb\nnew\nc\n", "x", "y") ==
          "--- x\n+++ y\n@@ -1,3 +1,4 @@\n a\n b\n+new\n c\n");
  }
  SECTION("removed") {
    CHECK(UnifiedDiff("a\nb\nc\n", "a\nc\n", "x", "y") ==
          "--- x\n+++ y\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
  }
  SECTION("from nothing: a created object") {
    CHECK(UnifiedDiff("", "a\nb\n", "x", "y") == "--- x\n+++ y\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  }
  SECTION("to nothing: a deleted object") {
    CHECK(UnifiedDiff("a\nb\n", "", "x", "y") == "--- x\n+++ y\n@@ -1,2 +0,0 @@\n-a\n-b\n");
  }
}

TEST_CASE("UnifiedDiff honours the context size and splits distant hunks", "[text_diff]") {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 || i == 18 ? "changed" : std::to_string(i)) + std::string("\n");
  }
  CHECK(UnifiedDiff(before, after, "x", "y", 1) ==
        "--- x\n+++ y\n"
        "@@ -1,3 +1,3 @@\n 1\n-2\n+changed\n 3\n"
        "@@ -17,3 +17,3 @@\n 17\n-18\n+changed\n 19\n");
  // Default context: three lines; the hunk header carries no function context.
  std::string diff = UnifiedDiff(before, after, "x", "y");
  CHECK(diff.find("@@ -1,5 +1,5 @@\n") != std::string::npos);
  CHECK(diff.find("@@ -15,6 +15,6 @@\n") != std::string::npos);
}

TEST_CASE("UnifiedDiff marks texts without a final newline", "[text_diff]") {
  SECTION("both sides lack it") {
    CHECK(UnifiedDiff("a\nb", "a\nc", "x", "y") ==
          "--- x\n+++ y\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
          "\\ No newline at end of file\n");
  }
  SECTION("only the newline differs") {
    CHECK(UnifiedDiff("a\n", "a", "x", "y") ==
          "--- x\n+++ y\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n");
    CHECK(UnifiedDiff("a", "a\n", "x", "y") ==
          "--- x\n+++ y\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n");
  }
  SECTION("unchanged last line without newline as context") {
    CHECK(UnifiedDiff("a\nz", "b\nz", "x", "y") ==
          "--- x\n+++ y\n@@ -1,2 +1,2 @@\n-a\n+b\n z\n\\ No newline at end of file\n");
  }
}

TEST_CASE("UnifiedDiff treats text holding a NUL as text", "[text_diff]") {
  std::string before("a\n", 2), after(std::string("a\0b\n", 4));
  std::string diff = UnifiedDiff(before, after, "x", "y");
  CHECK(diff.find("Binary") == std::string::npos);
  CHECK(diff.find("-a\n+a") != std::string::npos);
}

}  // namespace
