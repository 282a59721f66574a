// The Engine API stream decoders and wire helpers, byte by byte. No Docker;
// docker_client_test.cc runs them against real and fake daemons.
#include "agent/docker_streams.h"

#include <catch2/catch.hpp>

#include "agent/docker_wire.h"

namespace cara::agent {
namespace {

std::string Frame(unsigned char stream, const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  std::string header = {static_cast<char>(stream),
                        0,
                        0,
                        0,
                        static_cast<char>(n >> 24),
                        static_cast<char>(n >> 16),
                        static_cast<char>(n >> 8),
                        static_cast<char>(n)};
  return header + payload;
}

}  // namespace

TEST_CASE("Demuxer strips frame headers however the stream is cut", "[docker_streams][fake]") {
  const std::string wire = Frame(1, "out ") + Frame(2, "err\n") + Frame(1, "") + Frame(1, "end");
  for (size_t piece = 1; piece <= wire.size(); ++piece) {
    std::string out;
    std::function<bool(const char*, size_t)> sink = [&](const char* d, size_t n) {
      out.append(d, n);
      return true;
    };
    Demuxer demux(sink);
    for (size_t pos = 0; pos < wire.size(); pos += piece) {
      REQUIRE(demux.Feed(wire.data() + pos, std::min(piece, wire.size() - pos)));
    }
    INFO("pieces of " << piece);
    CHECK(out == "out err\nend");
    CHECK_FALSE(demux.malformed());
  }
}

TEST_CASE("Demuxer stops when the sink says so and refuses a raw stream",
          "[docker_streams][fake]") {
  std::string out;
  std::function<bool(const char*, size_t)> first_only = [&](const char* d, size_t n) {
    out.append(d, n);
    return false;
  };
  Demuxer stopping(first_only);
  std::string wire = Frame(1, "a") + Frame(1, "b");
  CHECK_FALSE(stopping.Feed(wire.data(), wire.size()));
  CHECK(out == "a");
  CHECK_FALSE(stopping.malformed());

  std::function<bool(const char*, size_t)> any = [](const char*, size_t) { return true; };
  Demuxer raw(any);
  std::string text = "plain text, no frames\n";
  CHECK_FALSE(raw.Feed(text.data(), text.size()));
  CHECK(raw.malformed());
}

TEST_CASE("LineSplitter hands over whole lines and the unterminated last one",
          "[docker_streams][fake]") {
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
  LineSplitter splitter;
  splitter.Feed("{\"a\":1}\n{\"b\"", 12, on_line);
  CHECK(lines == std::vector<std::string>{"{\"a\":1}"});
  splitter.Feed(":2}\n\n{\"c\":3}", 12, on_line);
  CHECK(lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", ""});
  splitter.Finish(on_line);
  CHECK(lines.back() == "{\"c\":3}");
  splitter.Finish(on_line);
  CHECK(lines.size() == 4);
}

TEST_CASE("WithLabelFilter appends Docker's label filter, bare keys for any value",
          "[docker_streams][fake]") {
  CHECK(WithLabelFilter("/volumes", {}) == "/volumes");
  CHECK(WithLabelFilter("/networks", {{"cara.project", ""}}) ==
        "/networks?filters=%7B%22label%22%3A%5B%22cara.project%22%5D%7D");
  CHECK(WithLabelFilter("/containers/json?all=1", {{"a", "1"}, {"b", ""}}) ==
        "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%3D1%22%2C%22b%22%5D%7D");
}

}  // namespace cara::agent
