#include "cli/explain_command.h"

#include <cctype>
#include <ostream>

#include "api/field_docs.h"
#include "api/schema.h"
#include "cli/commands.h"  // exit codes, resource words
#include "cli/explain_format.h"
#include "cli/manifest_reference.h"
#include "cli/output.h"

namespace cara::cli {
namespace {

struct ExplainedKind {
  const char* word;  // how paths and messages name it: "project"
  std::string_view (*schema_text)();
};

// The reference's order: what manifests hold most first.
constexpr ExplainedKind kKinds[] = {{"project", api::ProjectSchemaText},
                                    {"node", api::NodeSchemaText},
                                    {"secret", api::SecretSchemaText},
                                    {"event", api::EventSchemaText}};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The words get takes (node|nodes, ..., event|events) and the kind as
// manifests spell it (Project), in any case.
const ExplainedKind* FindKind(const std::string& word) {
  const std::string lower = Lower(word);
  std::string singular = IsEventsWord(lower) ? "event" : "";
  if (auto kind = ParseResourceWord(lower)) singular = NamesOf(*kind).singular;
  for (const ExplainedKind& k : kKinds) {
    if (singular == k.word) return &k;
  }
  return nullptr;
}

std::vector<std::string> SplitPath(const std::string& target) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = target.find('.', start);
    parts.push_back(target.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

Result<api::KindDoc> Document(const ExplainedKind& kind) {
  auto doc = api::DocumentKind(kind.schema_text());
  if (!doc.ok()) {
    return Status::Internal(std::string("the embedded ") + kind.word +
                            " schema: " + doc.status().message());
  }
  return doc;
}

int Fail(std::ostream& err, const std::string& message) {
  err << "Error: " << message << "\n";
  return kExitInvalid;
}

// -o markdown without a resource: every kind, as docs/manifest-reference.md.
int PrintReference(std::ostream& out, std::ostream& err) {
  std::vector<api::KindDoc> docs;
  for (const ExplainedKind& kind : kKinds) {
    auto doc = Document(kind);
    if (!doc.ok()) return Fail(err, doc.status().message());
    docs.push_back(std::move(*doc));
  }
  out << ManifestReference(docs);
  return kExitOk;
}

}  // namespace

int RunExplain(const ExplainOptions& options, OutputFormat format, std::ostream& out,
               std::ostream& err) {
  if (options.target.empty()) {
    if (format == OutputFormat::kMarkdown) return PrintReference(out, err);
    return Fail(err,
                "explain: a resource is required, e.g. caractrl explain project.spec.services "
                "(-o markdown without one prints the whole manifest reference)");
  }
  std::vector<std::string> parts = SplitPath(options.target);
  for (const std::string& part : parts) {
    if (part.empty()) {
      return Fail(err, "invalid field path \"" + options.target +
                           "\": expected RESOURCE[.FIELD...] such as project.spec.services");
    }
  }
  const ExplainedKind* kind = FindKind(parts.front());
  if (!kind) {
    return Fail(err, "unknown resource type \"" + parts.front() +
                         "\": expected project, node, secret or event");
  }
  auto doc = Document(*kind);
  if (!doc.ok()) return Fail(err, doc.status().message());
  const std::vector<std::string> path(parts.begin() + 1, parts.end());
  auto field = api::FindField(doc->root, path, kind->word);
  if (!field.ok()) return Fail(err, field.status().message());
  std::string label = kind->word;
  for (const std::string& name : path) label += "." + name;

  switch (format) {
    case OutputFormat::kMarkdown:
      if (!path.empty()) {
        return Fail(err, "-o markdown documents a whole kind: caractrl explain " +
                             std::string(kind->word) + " -o markdown");
      }
      out << ManifestReferenceSection(*doc);
      break;
    case OutputFormat::kJson:
      out << ExplainJson(*doc, label, **field, options.recursive).dump(2) << "\n";
      break;
    case OutputFormat::kYaml:
      out << RenderYaml(ExplainJson(*doc, label, **field, options.recursive));
      break;
    default:
      out << ExplainText(*doc, **field, options.recursive);
  }
  return kExitOk;
}

}  // namespace cara::cli
