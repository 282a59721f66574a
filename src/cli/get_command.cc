// caractrl get nodes|projects|secrets [NAME...].
// Without names: the list, filtered by the server (--phase, -l). With names:
// each object; the ones found are printed, each missing one is an error.
// -w: then every change as the server's watch stream reports it (get_watch.h).
#include <ostream>

#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "api/validation.h"
#include "cli/commands.h"
#include "cli/get_watch.h"
#include "cli/list_all.h"
#include "cli/resource_printer.h"

namespace cara::cli {
namespace {

using ojson = nlohmann::ordered_json;

// --phase, matched case-insensitively: the canonical spelling, or empty.
std::string CanonicalPhase(const std::string& phase) {
  auto lower = [](std::string v) {
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  };
  for (const char* p : {api::kPhasePending, api::kPhaseScheduled, api::kPhaseRunning,
                        api::kPhaseFailed, api::kPhaseTerminating, api::kPhaseTerminated}) {
    if (lower(p) == lower(phase)) return p;
  }
  return "";
}

// The list's query: the selector goes to the server, which filters.
Result<std::string> ListQuery(const GetOptions& o, ResourceKind kind) {
  if (!o.names.empty() && (!o.selector.empty() || !o.phase.empty())) {
    return Status::Invalid("names cannot be combined with -l/--selector or --phase");
  }
  std::string query;
  if (!o.phase.empty()) {
    if (kind != ResourceKind::kProject) {
      return Status::Invalid(std::string("--phase is only for projects (") + NamesOf(kind).plural +
                             " have no phase)");
    }
    std::string phase = CanonicalPhase(o.phase);
    if (phase.empty()) {
      return Status::Invalid("invalid phase " + api::GoQuote(o.phase) +
                             ": expected Pending, Scheduled, Running, Failed, Terminating or "
                             "Terminated");
    }
    query += "phase=" + phase;
  }
  if (!o.selector.empty()) {
    auto selector = api::LabelSelector::Parse(o.selector);
    if (!selector.ok()) {
      return Status::Invalid("invalid label selector " + api::GoQuote(o.selector) + ": " +
                             selector.status().message());
    }
    query += (query.empty() ? "" : "&") + std::string("labelSelector=") + PathEscape(o.selector);
  }
  return query;
}

// What one round of fetching found.
struct Fetched {
  std::vector<ojson> objects;
  std::vector<std::string> errors;  // one per name that could not be read
};

class Fetcher {
 public:
  Fetcher(const CliContext& ctx, ResourceKind kind, const GetOptions& o, const std::string& query)
      : ctx_(ctx), kind_(kind), names_(o.names) {
    collection_ = NamesOf(kind).plural;
    list_path_ = NamesOf(kind).collection + (query.empty() ? "" : "?" + query);
  }

  // A failed list is an error; with names, each failure is listed instead.
  Result<Fetched> Fetch() {
    Fetched out;
    if (names_.empty()) {
      // Every page: the server filters by selector and phase.
      Status listed = ListAll(*ctx_.client, list_path_, [&](ojson& item) {
        out.objects.push_back(std::move(item));
        return Status::Ok();
      });
      if (!listed.ok())
        return Status(listed.code(), "get " + collection_ + ": " + listed.message());
      return out;
    }
    for (const auto& name : names_) {
      const char* singular = NamesOf(kind_).singular;
      std::string what = std::string("get ") + singular + " " + api::GoQuote(name);
      auto object = GetJson(NamesOf(kind_).collection + ("/" + PathEscape(name)), what);
      if (object.ok()) {
        out.objects.push_back(std::move(*object));
      } else if (object.status().code() == Code::kNotFound) {
        out.errors.push_back(ObjectError("get", singular, name, object.status()));
      } else {
        out.errors.push_back(object.status().message());
      }
    }
    return out;
  }

 private:
  Result<ojson> GetJson(const std::string& path, const std::string& what) {
    auto response = ctx_.client->Get(path);
    Status st = ExpectSuccess(response);
    if (!st.ok()) return Status(st.code(), what + ": " + st.message());
    ojson body = ojson::parse(response->body, nullptr, false);
    if (!body.is_object()) return Status::Internal(what + ": server sent malformed JSON");
    return body;
  }

  const CliContext& ctx_;
  ResourceKind kind_;
  std::vector<std::string> names_;
  std::string collection_;
  std::string list_path_;
};

}  // namespace

int RunGet(const CliContext& ctx, const GetOptions& o) {
  if (IsEventsWord(o.resource)) return RunGetEvents(ctx, o);
  ResourceKind kind = ResourceKind::kProject;
  if (int rc = ParseResourceOrReport(ctx, o.resource, "nodes, projects or secrets", &kind);
      rc != kExitOk) {
    return rc;
  }
  auto query = ListQuery(o, kind);
  if (!query.ok()) return ReportError(ctx, query.status().message(), kExitInvalid);
  WatchSubject subject{kind, *query, o.names, !o.no_headers};
  std::string since;
  if (o.watch) {
    if (kind == ResourceKind::kSecret) {
      return ReportError(ctx, "-w/--watch is for nodes and projects, not secrets", kExitInvalid);
    }
    auto version = WatchStartVersion(ctx, subject);
    if (!version.ok()) return ReportError(ctx, version.status().message());
    since = *version;
  }
  Fetcher fetcher(ctx, kind, o, *query);
  auto first = fetcher.Fetch();
  if (!first.ok()) return ReportError(ctx, first.status().message());
  for (const auto& e : first->errors) ReportError(ctx, e);
  if (o.watch) {
    int rc = WatchAndPrint(ctx, subject, since, std::move(first->objects));
    return first->errors.empty() ? rc : kExitError;
  }
  // One name asked for prints that object; a list or several names, a List.
  bool as_list = o.names.size() != 1;
  if (!first->objects.empty() || as_list) {
    PrintOptions options{ctx.format, !o.no_headers, as_list, ctx.clock->Now()};
    *ctx.out << PrintObjects(kind, first->objects, options);
    ctx.out->flush();
  }
  return first->errors.empty() ? kExitOk : kExitError;
}

}  // namespace cara::cli
