// 1. Validation throughput (target: ≥ 10,000 documents/s on one core).
// The figure is caractrl's own check of a manifest set (gitops::LoadManifestSet:
// YAML → JSON with positions, JSON Schema, the server's semantic rules,
// duplicates), one file per Project as in a GitOps repository. The baseline is
// libyaml's event parser over the same bytes: no tree, no checks, the least
// any YAML-reading tool must do. A second row runs a peer over the same
// manifests (bench/peer_validator.h: npm's yaml + ajv), so the lead over a
// common tool is measured, not claimed.
#include <yaml.h>

#include <stdexcept>

#include "bench/bench.h"
#include "bench/format.h"
#include "bench/manifests.h"
#include "bench/peer_validator.h"
#include "cli/output.h"
#include "gitops/manifest_set.h"

namespace cara::bench {
namespace {

constexpr double kTargetDocsPerSecond = 10000;
constexpr int kRepetitions = 3;  // best of: the machine is shared

std::vector<gitops::SourceFile> GenerateFiles(int count) {
  std::vector<gitops::SourceFile> files;
  files.reserve(count);
  for (int i = 0; i < count; ++i) {
    files.push_back({"projects/" + ProjectName(i) + ".yaml", cli::RenderYaml(ProjectDocument(i))});
  }
  return files;
}

// Every event of every file; returns how many, so the work cannot be elided.
size_t ParseEvents(const std::vector<gitops::SourceFile>& files) {
  size_t events = 0;
  for (const auto& f : files) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(f.text.data()),
                                 f.text.size());
    for (bool done = false; !done;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) {
        yaml_parser_delete(&parser);
        throw std::runtime_error("libyaml rejected " + f.name);
      }
      done = event.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&event);
      ++events;
    }
    yaml_parser_delete(&parser);
  }
  return events;
}

void CheckValid(const std::vector<gitops::SourceFile>& files) {
  // One thread: the target is per core (caractrl uses every core).
  gitops::ManifestSet set = gitops::LoadManifestSet(files, /*threads=*/1);
  if (!set.errors.empty())
    throw std::runtime_error("generated manifest rejected: " + set.errors[0]);
  if (set.manifests.size() != files.size()) throw std::runtime_error("documents went missing");
}

template <typename Fn>
double BestSeconds(Fn fn) {
  double best = 1e300;
  for (int i = 0; i < kRepetitions; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, SecondsSince(start));
  }
  return best;
}

// The peer's row beside caractrl's: its figure, caractrl's as the baseline.
void ReportPeer(const std::vector<gitops::SourceFile>& files, double caractrl_rate,
                Report& report) {
  const std::string what = "validation peer: yaml + ajv (Node), same " + Thousands(files.size()) +
                           " manifests, schemas only";
  Progress("validation: the same manifests through the peer (yaml + ajv)");
  Result<PeerFigure> peer = RunPeerValidator(files);
  if (!peer.ok()) return report.AddNa(what, peer.status().message());
  double rate = peer->documents / peer->seconds;
  report.Add({what + " (" + peer->versions + ")", Thousands(rate) + " docs/s",
              Thousands(caractrl_rate) + " docs/s (caractrl, above)", Ratio(rate, caractrl_rate),
              "— (caractrl " + Ratio(caractrl_rate, rate) + " the peer)", Verdict::kInfo});
}

}  // namespace

void RunValidationBench(const Sizes& sizes, Report& report) {
  const int n = sizes.validation_documents;
  Progress("validation: " + Thousands(n) + " generated manifests");
  std::vector<gitops::SourceFile> files = GenerateFiles(n);
  size_t bytes = 0;
  for (const auto& f : files) bytes += f.text.size();

  double parse = BestSeconds([&] { ParseEvents(files); });
  double validate = BestSeconds([&] { CheckValid(files); });
  double rate = n / validate;
  double base = n / parse;
  report.Add({"validation: " + Thousands(n) + " manifests (" + MiB(bytes) + ")",
              Thousands(rate) + " docs/s", Thousands(base) + " docs/s (libyaml events)",
              Ratio(rate, base), "≥ 10,000 docs/s, one core",
              PassIf(rate >= kTargetDocsPerSecond)});
  ReportPeer(files, rate, report);
}

}  // namespace cara::bench
