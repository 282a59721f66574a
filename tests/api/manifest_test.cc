// The YAML manifest loader: positions, documents, scalar typing, aliases and
// error reports.
#include "api/manifest.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <ostream>

#include <nlohmann/json.hpp>

namespace cara::api {
namespace {

using json = nlohmann::json;

}  // namespace

// Lets Catch print marks.
std::ostream& operator<<(std::ostream& os, const Mark& m) {
  return os << m.line << ":" << m.column;
}

namespace {

std::vector<ManifestDocument> Load(const std::string& text) {
  auto docs = LoadManifests(text, "m.yaml");
  INFO(docs.status().message());
  REQUIRE(docs.ok());
  return std::move(docs).value();
}

json LoadOne(const std::string& text) {
  auto docs = Load(text);
  REQUIRE(docs.size() == 1);
  return docs[0].value();
}

std::string LoadError(const std::string& text) {
  auto docs = LoadManifests(text, "m.yaml");
  REQUIRE_FALSE(docs.ok());
  return docs.status().message();
}

const char kProject[] =
    "apiVersion: caravanserai/v1\n"             // 1
    "kind: Project\n"                           // 2
    "metadata:\n"                               // 3
    "  name: shop\n"                            // 4
    "  labels:\n"                               // 5
    "    caravanserai.io/preview: \"true\"\n"   // 6
    "spec:\n"                                   // 7
    "  services:\n"                             // 8
    "    - name: web\n"                         // 9
    "      image: cara/busybox:test\n"          // 10
    "      command: [httpd, -f, -p, \"80\"]\n"  // 11
    "    - name: db\n"                          // 12
    "      env:\n"                              // 13
    "        - {name: A, value: x}\n";          // 14

TEST_CASE("marks point at nested values", "[manifest]") {
  auto docs = Load(kProject);
  REQUIRE(docs.size() == 1);
  const auto& d = docs[0];
  CHECK(d.file() == "m.yaml");
  CHECK(d.index() == 0);
  CHECK(d.MarkOf("") == Mark{1, 1});
  CHECK(d.MarkOf("/kind") == Mark{2, 7});
  CHECK(d.MarkOf("/metadata") == Mark{4, 3});
  CHECK(d.MarkOf("/metadata/name") == Mark{4, 9});
  CHECK(d.MarkOf("/metadata/labels/caravanserai.io~1preview") == Mark{6, 30});
  CHECK(d.MarkOf("/spec/services") == Mark{9, 5});
  CHECK(d.MarkOf("/spec/services/0") == Mark{9, 7});
  CHECK(d.MarkOf("/spec/services/0/image") == Mark{10, 14});
  CHECK(d.MarkOf("/spec/services/0/command") == Mark{11, 16});
  CHECK(d.MarkOf("/spec/services/0/command/3") == Mark{11, 32});
  CHECK(d.MarkOf("/spec/services/1/name") == Mark{12, 13});
  CHECK(d.MarkOf("/spec/services/1/env/0/value") == Mark{14, 28});
}

TEST_CASE("ReleaseValue moves the value out and forgets the marks", "[manifest]") {
  auto docs = Load(kProject);
  REQUIRE(docs.size() == 1);
  json value = docs[0].ReleaseValue();
  CHECK(value["metadata"]["name"].is_string());
  CHECK(docs[0].value().is_null());
  CHECK(docs[0].MarkOf("/kind") == Mark{0, 0});
}

TEST_CASE("marks of missing values fall back to the nearest ancestor", "[manifest]") {
  auto docs = Load(kProject);
  const auto& d = docs[0];
  CHECK(d.MarkOf("/spec/services/1/image") == Mark{12, 7});
  CHECK(d.MarkOf("/spec/services/7/name") == Mark{9, 5});
  CHECK(d.MarkOf("/spec/services/x") == Mark{9, 5});
  CHECK(d.MarkOf("/metadata/name/deeper") == Mark{4, 9});
  CHECK(d.MarkOf("/nope") == Mark{1, 1});
}

TEST_CASE("FormatManifestError names file, position and pointer", "[manifest]") {
  auto docs = Load(kProject);
  CHECK(FormatManifestError(docs[0], {"/spec/services/1", "missing required property \"image\""}) ==
        "m.yaml:12:7: /spec/services/1: missing required property \"image\"");
  CHECK(FormatManifestError(docs[0], {"", "expected object, got array"}) ==
        "m.yaml:1:1: expected object, got array");
  ManifestDocument plain("body.json", 0, json::object());
  CHECK(FormatManifestError(plain, {"/kind", "must be \"Node\""}) ==
        "body.json: /kind: must be \"Node\"");
}

TEST_CASE("multi-document streams", "[manifest]") {
  auto docs = Load(
      "# leading comment\n"
      "kind: Node\n"
      "metadata: {name: a}\n"
      "---\n"
      "---\n"
      "# only a comment\n"
      "---\n"
      "kind: Project\n"
      "metadata:\n"
      "  name: b\n"
      "...\n"
      "--- {kind: Project, metadata: {name: c}}\n");
  REQUIRE(docs.size() == 3);
  CHECK(docs[0].value()["metadata"]["name"] == "a");
  CHECK(docs[0].index() == 0);
  CHECK(docs[1].value()["metadata"]["name"] == "b");
  CHECK(docs[1].index() == 3);  // the two empty documents still count
  CHECK(docs[1].MarkOf("/metadata/name") == Mark{10, 9});
  CHECK(docs[2].value()["kind"] == "Project");
  CHECK(docs[2].MarkOf("/metadata/name") == Mark{12, 38});
}

TEST_CASE("an empty stream has no documents", "[manifest]") {
  CHECK(Load("").empty());
  CHECK(Load("# nothing here\n").empty());
  CHECK(Load("---\n...\n").empty());
}

TEST_CASE("plain scalars follow the YAML 1.2 core schema", "[manifest]") {
  json v = LoadOne(
      "nulls: [~, null, Null, NULL, ]\n"
      "empty:\n"
      "bools: [true, True, TRUE, false, False, FALSE]\n"
      "strings: [yes, no, on, off, y, n, tRUE, nil, 0b101, 1_000, 0x, 12:30, 1.2.3, -, .]\n"
      "ints: [0, 42, -17, +5, 007, 0x1F, 0o17, 9223372036854775807, -9223372036854775808]\n"
      "floats: [1.5, -0.25, .5, 1., 1e3, 2.5E-2, +1.0]\n"
      "special: [.inf, -.Inf, +.INF, .nan, .NaN]\n"
      "big: 18446744073709551615\n"
      "bigger: 100000000000000000000\n"
      "version: 1.20\n"
      "date: 2030-01-01T00:00:00Z\n");
  for (const auto& n : v["nulls"]) CHECK(n.is_null());
  CHECK(v["nulls"].size() == 4);  // a trailing comma adds no entry
  CHECK(v["empty"].is_null());
  CHECK(v["bools"] == json({true, true, true, false, false, false}));
  for (const auto& s : v["strings"]) {
    INFO(s.dump());
    CHECK(s.is_string());
  }
  CHECK(v["strings"][0] == "yes");
  CHECK(v["strings"][11] == "12:30");
  CHECK(v["ints"] == json({0, 42, -17, 5, 7, 31, 15, INT64_MAX, INT64_MIN}));
  for (const auto& i : v["ints"]) CHECK(i.is_number_integer());
  CHECK(v["floats"] == json({1.5, -0.25, 0.5, 1.0, 1000.0, 0.025, 1.0}));
  for (const auto& f : v["floats"]) CHECK(f.is_number_float());
  CHECK(v["special"][0].get<double>() == INFINITY);
  CHECK(v["special"][1].get<double>() == -INFINITY);
  CHECK(v["special"][2].get<double>() == INFINITY);
  CHECK(std::isnan(v["special"][3].get<double>()));
  CHECK(std::isnan(v["special"][4].get<double>()));
  CHECK(v["big"].is_number_unsigned());
  CHECK(v["big"].get<uint64_t>() == UINT64_MAX);
  CHECK(v["bigger"].is_number_float());
  CHECK(v["version"] == 1.2);
  CHECK(v["date"] == "2030-01-01T00:00:00Z");
}

TEST_CASE("quoted and block scalars are always strings", "[manifest]") {
  json v = LoadOne(
      "a: \"true\"\n"
      "b: '42'\n"
      "c: \"null\"\n"
      "d: ''\n"
      "e: |\n"
      "  line 1\n"
      "  line 2\n"
      "f: >-\n"
      "  folded\n"
      "  text\n"
      "g: \"tab\\there \\u00e9\"\n");
  CHECK(v["a"] == "true");
  CHECK(v["b"] == "42");
  CHECK(v["c"] == "null");
  CHECK(v["d"] == "");
  CHECK(v["e"] == "line 1\nline 2\n");
  CHECK(v["f"] == "folded text");
  CHECK(v["g"] == "tab\there \xc3\xa9");
}

TEST_CASE("keys stay as written", "[manifest]") {
  json v = LoadOne("80: a\ntrue: b\n~: c\n1.50: d\n");
  CHECK(v == json({{"80", "a"}, {"true", "b"}, {"~", "c"}, {"1.50", "d"}}));
}

TEST_CASE("explicit tags", "[manifest]") {
  json v =
      LoadOne("a: !!str 42\nb: !!int \"7\"\nc: !!float 1\nd: !!bool true\ne: ! 12\nf: !!null ''\n");
  CHECK(v["a"] == "42");
  CHECK(v["b"] == 7);
  CHECK(v["c"].is_number_float());
  CHECK(v["d"] == true);
  CHECK(v["e"] == "12");
  CHECK(v["f"].is_null());
  CHECK(LoadError("a: !!int abc\n") == "m.yaml:1:4: \"abc\" is not a valid !!int");
  CHECK(LoadError("a: !secret xyz\n") == "m.yaml:1:4: unsupported tag \"!secret\"");
}

TEST_CASE("JSON is YAML too", "[manifest]") {
  auto docs = Load(
      "{\n"
      "  \"apiVersion\": \"caravanserai/v1\",\n"
      "  \"kind\": \"Node\",\n"
      "  \"metadata\": {\"name\": \"n1\", \"labels\": {\"a/b\": \"x\\/y\"}},\n"
      "  \"status\": {\"network\": {\"agentPort\": 9090}, \"conditions\": null}\n"
      "}\n");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].value()["metadata"]["labels"]["a/b"] == "x/y");
  CHECK(docs[0].value()["status"]["network"]["agentPort"] == 9090);
  CHECK(docs[0].MarkOf("/status/network/agentPort") == Mark{5, 39});
}

TEST_CASE("anchors and aliases are expanded", "[manifest]") {
  auto docs = Load(
      "common: &env\n"                   // 1
      "  - name: LOG_LEVEL\n"            // 2
      "    value: debug\n"               // 3
      "image: &img cara/busybox:test\n"  // 4
      "services:\n"                      // 5
      "  - name: a\n"                    // 6
      "    image: *img\n"                // 7
      "    env: *env\n"                  // 8
      "  - name: b\n"                    // 9
      "    env: *env\n");                // 10
  const json& v = docs[0].value();
  CHECK(v["services"][0]["image"] == "cara/busybox:test");
  CHECK(v["services"][0]["env"] == v["common"]);
  CHECK(v["services"][1]["env"][0]["value"] == "debug");
  // Shared content is reported where it is written.
  CHECK(docs[0].MarkOf("/services/1/env/0/value") == Mark{3, 12});
  CHECK(docs[0].MarkOf("/services/1/name") == Mark{9, 11});
  // An anchor on a key names that key's text.
  CHECK(LoadOne("&k name: x\nother: *k\n") == json({{"name", "x"}, {"other", "name"}}));
  // An alias used as a key.
  CHECK(LoadOne("k: &k name\n*k : x\n") == json({{"k", "name"}, {"name", "x"}}));
}

TEST_CASE("alias errors", "[manifest]") {
  CHECK(LoadError("a: *nowhere\n") == "m.yaml:1:4: unknown alias \"*nowhere\"");
  // Anchors do not cross documents.
  CHECK(LoadError("a: &x 1\n---\nb: *x\n") == "m.yaml:3:4: unknown alias \"*x\"");
  // "Billion laughs": aliases that expand into millions of nodes.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + char(c - 1);
    bomb += "]\n";
  }
  CHECK_THAT(LoadError(bomb), Catch::Contains("document is too large"));
}

TEST_CASE("the node limit counts each node once", "[manifest]") {
  // Root mapping + key's sequence + items = 1,000,000 nodes: just allowed.
  // (4 MB: past the default size limit, so that limit is raised here.)
  std::string text = "a:\n";
  for (int i = 0; i < 999'998; ++i) text += "- 1\n";
  auto docs = LoadManifests(text, "m.yaml", 8 << 20);
  REQUIRE(docs.ok());
  CHECK(docs->front().value()["a"].size() == 999'998);
  text += "- 1\n";
  auto over = LoadManifests(text, "m.yaml", 8 << 20);
  REQUIRE(!over.ok());
  CHECK_THAT(over.status().message(), Catch::Contains("document is too large"));
}

TEST_CASE("a document over the size limit is refused with its size in bytes", "[manifest]") {
  const std::string small = "kind: Node\nmetadata: {name: a}\n";  // 31 bytes
  std::string big = "kind: Project\nmetadata:\n  annotations:\n";
  while (big.size() < (2u << 20)) big += "    k" + std::to_string(big.size()) + ": v\n";
  // Starts at line 3; its size runs from its "---" to the next one.
  const std::string text = small + "---\n" + big + "---\n" + small;
  CHECK(LoadError(text) == "m.yaml:3:1: document is " + std::to_string(4 + big.size()) +
                               " bytes, over the limit of 1048576 bytes");
  // Parsing stops at the limit: a syntax error further on is never reached.
  CHECK(LoadError(big + "bad: [\n") == "m.yaml:1:1: document is " + std::to_string(big.size() + 7) +
                                           " bytes, over the limit of 1048576 bytes");
  CHECK(Load(small + "---\n" + small).size() == 2);

  // Exactly at the limit is fine; bytes are counted, not characters.
  const std::string e = "a: \"\xc3\xa9\xc3\xa9\"\n";         // a: "éé": 10 bytes, 8 characters
  CHECK(LoadManifests(e + "---\n" + e, "m.yaml", 14).ok());  // 10 and 14 bytes
  auto over = LoadManifests(e + "---\n" + e, "m.yaml", 13);  // 14 bytes, 12 characters
  REQUIRE(!over.ok());
  CHECK(over.status().message() == "m.yaml:2:1: document is 14 bytes, over the limit of 13 bytes");
}

TEST_CASE("every position of a document with many errors is where it was", "[manifest]") {
  // The first lookups walk the document, later ones use an index: both agree.
  const std::vector<std::pair<std::string, Mark>> expected = {{"/spec/services/0/image", {10, 14}},
                                                              {"/kind", {2, 7}},
                                                              {"", {1, 1}},
                                                              {"/spec/services/0/image", {10, 14}},
                                                              {"/metadata/name", {4, 9}},
                                                              {"/kind", {2, 7}},
                                                              {"/spec/nothing", {8, 3}},
                                                              {"/spec/services/9", {9, 5}}};
  auto docs = Load(kProject);
  for (const auto& [pointer, mark] : expected) {
    INFO(pointer);
    CHECK(docs[0].MarkOf(pointer) == mark);
    CHECK(Load(kProject)[0].MarkOf(pointer) == mark);
  }
  ManifestDocument copy = docs[0];  // a copy builds its own index
  CHECK(copy.MarkOf("/spec/services/0/image") == Mark{10, 14});
}

TEST_CASE("duplicate keys are errors, all of them", "[manifest]") {
  std::string message = LoadError(
      "kind: Project\n"
      "metadata:\n"
      "  name: a\n"
      "  name: b\n"
      "spec: {x: 1, x: 2}\n"
      "kind: Node\n");
  CHECK(message ==
        "m.yaml:4:3: duplicate key \"name\"\n"
        "m.yaml:5:14: duplicate key \"x\"\n"
        "m.yaml:6:1: duplicate key \"kind\"");
}

TEST_CASE("mapping keys must be scalars", "[manifest]") {
  CHECK(LoadError("? [a, b]\n: c\n") == "m.yaml:1:3: mapping keys must be strings");
}

TEST_CASE("syntax errors give file:line:col", "[manifest]") {
  CHECK(LoadError("kind: Project\nmetadata:\n  name: a\n bad: indentation\n") ==
        "m.yaml:4:2: did not find expected key (while parsing a block mapping at line 1, "
        "column 1)");
  CHECK_THAT(LoadError("a: [1, 2\n"), Catch::StartsWith("m.yaml:2:1: "));
  CHECK_THAT(LoadError("a: b: c\n"),
             Catch::StartsWith("m.yaml:1:5: mapping values are not allowed"));
  CHECK_THAT(LoadError("a: \"unterminated\n"), Catch::StartsWith("m.yaml:2:1: "));
  CHECK_THAT(LoadError("a:\n\tb: c\n"), Catch::StartsWith("m.yaml:2:1: "));
  CHECK_THAT(LoadError("ok: 1\nbad: \xff\xfe\n"), Catch::StartsWith("m.yaml:2:6: invalid"));
}

TEST_CASE("documents can be copied and moved", "[manifest]") {
  auto docs = Load(kProject);
  ManifestDocument copy = docs[0];
  ManifestDocument moved = std::move(docs[0]);
  CHECK(copy.value() == moved.value());
  CHECK(copy.MarkOf("/spec/services/0/image") == Mark{10, 14});
  CHECK(moved.MarkOf("/spec/services/0/image") == Mark{10, 14});
  copy = moved;
  CHECK(copy.MarkOf("/kind") == Mark{2, 7});
}

}  // namespace
}  // namespace cara::api
