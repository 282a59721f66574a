// Reading a source's files (gitops/manifest_set.h ReadManifestFiles): the
// files of a directory are read on every core, straight into their strings.
// Whatever the thread count, every text must come back whole and in path
// order, whatever its size, and a pipe (stdin) of unknown size too.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "gitops/manifest_files.h"
#include "gitops/manifest_set.h"
#include "support/temp_dir.h"

namespace cara::gitops {
namespace {

// A text of `size` bytes that differs at every position from its neighbours'.
std::string Text(size_t size, int seed) {
  std::string text(size, ' ');
  for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return text;
}

TEST_CASE("ReadManifestFiles reads every file of a directory whole, in path order",
          "[manifest_files]") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/nested/deeper");
  // Sizes around the read buffer and the file's own size: empty, one byte,
  // 64 KiB exactly and either side of it, and several times it.
  const std::vector<size_t> sizes = {0, 1, 65535, 65536, 65537, 300000, 17};
  std::vector<std::pair<std::string, std::string>> want;
  for (int i = 0; i < 400; ++i) {
    std::string sub = i % 3 == 0 ? "/nested" : i % 3 == 1 ? "/nested/deeper" : "";
    char name[32];
    std::snprintf(name, sizeof name, "/m-%04d.yaml", i);
    std::string path = dir.path() + sub + name;
    std::string text = Text(sizes[i % sizes.size()], i);
    std::ofstream(path, std::ios::binary) << text;
    want.emplace_back(path, text);
  }
  std::ofstream(dir.path() + "/README.md") << "not a manifest";
  std::sort(want.begin(), want.end());

  auto files = ReadManifestFiles(dir.path());
  REQUIRE(files.ok());
  REQUIRE(files->size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO((*files)[i].name);
    CHECK((*files)[i].name == want[i].first);
    CHECK((*files)[i].text.size() == want[i].second.size());
    CHECK((*files)[i].text == want[i].second);
    // Read into place, sized from the file: no spare room kept per file
    // (10,000 files each holding a read buffer would be hundreds of MiB).
    CHECK((*files)[i].text.capacity() <= std::max<size_t>(want[i].second.size() + 1, 64));
  }
}

TEST_CASE("ReadManifestFiles reads stdin of unknown size whole", "[manifest_files]") {
  const std::string text = Text(1 << 20, 3);  // past several growths of the buffer
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&] {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  int saved = ::dup(STDIN_FILENO);
  ::dup2(fds[0], STDIN_FILENO);
  auto files = ReadManifestFiles("-");
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ::close(fds[0]);
  writer.join();
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  CHECK((*files)[0].name == "<stdin>");
  CHECK((*files)[0].text.size() == text.size());
  CHECK((*files)[0].text == text);
}

}  // namespace
}  // namespace cara::gitops
