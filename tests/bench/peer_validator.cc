#include "bench/peer_validator.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "bench/process_stats.h"
#include "support/temp_dir.h"

namespace cara::bench {
namespace {

namespace fs = std::filesystem;

const char kPeerDir[] = CARA_SOURCE_DIR "/tests/bench/peer";
const char kSchemaDir[] = CARA_SOURCE_DIR "/schemas";

// node (or Debian's older name, nodejs) on PATH; "" when there is none.
std::string FindNode() {
  std::stringstream path(::getenv("PATH") ? ::getenv("PATH") : "/usr/bin");
  for (std::string dir; std::getline(path, dir, ':');) {
    for (const char* name : {"node", "nodejs"}) {
      std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

// The manifests as files, one per document as in the validation row.
void WriteFiles(const std::vector<gitops::SourceFile>& files, const std::string& dir) {
  for (const auto& f : files) {
    std::ofstream out(dir + "/" + fs::path(f.name).filename().string(), std::ios::binary);
    out << f.text;
    if (!out) throw std::runtime_error("cannot write " + dir + " for the peer validator");
  }
}

}  // namespace

Result<PeerFigure> RunPeerValidator(const std::vector<gitops::SourceFile>& files) {
  const std::string node = FindNode();
  if (node.empty()) return Status::Unavailable("no node on PATH (apt-get install nodejs)");
  for (const char* package : {"ajv", "ajv-formats", "yaml"}) {
    if (!fs::exists(std::string(kPeerDir) + "/node_modules/" + package + "/package.json")) {
      return Status::Unavailable("tests/bench/peer has no node_modules/" + std::string(package) +
                                 ": run contrib/install-deps.sh");
    }
  }
  testing::TempDir dir;
  WriteFiles(files, dir.path());
  CommandRun run =
      RunCommand({node, std::string(kPeerDir) + "/validate.mjs", kSchemaDir, dir.path()});
  if (run.exit_code != 0) {
    throw std::runtime_error("peer validator exited with " + std::to_string(run.exit_code) + ": " +
                             run.err.substr(0, 500));
  }
  auto out = nlohmann::json::parse(run.out, nullptr, false);
  if (!out.is_object() || !out.contains("documents") || !out.contains("seconds")) {
    throw std::runtime_error("peer validator printed no figure: " + run.out.substr(0, 200));
  }
  PeerFigure figure;
  figure.documents = out.value("documents", 0);
  figure.seconds = out.value("seconds", 0.0);
  figure.versions = "yaml " + out.value("yaml", "?") + " + ajv " + out.value("ajv", "?") +
                    ", Node " + out.value("node", "?");
  if (figure.documents != static_cast<int>(files.size()) || figure.seconds <= 0) {
    throw std::runtime_error("peer validator counted " + std::to_string(figure.documents) +
                             " documents of " + std::to_string(files.size()));
  }
  return figure;
}

}  // namespace cara::bench
