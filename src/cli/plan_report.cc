// Rendering plans and sync results.
//
// The JSON report (RenderPlanJson), apiVersion "caractrl/v1". Keys always
// appear in this order; the report carries no timestamps, so the same plan
// renders byte for byte the same (CI can diff or hash it):
//
//   {
//     "apiVersion": "caractrl/v1",
//     "kind": "DiffReport" | "SyncReport",
//     "source": {
//       "id": "<source id>",
//       "commit": "<full SHA>" | null,    // null for a directory source
//       "baseCommit": "<full SHA>"        // only for diff --base
//     },
//     "dryRun": false,                    // SyncReport only
//     "planHash": "<hex SHA-256>",
//     "inSync": true,                     // nothing to write, and nothing the
//                                         // source declares was skipped
//     "actions": [{                       // in plan order, noops included
//       "action": "create" | "update" | "drift" | "drain" | "undrain" |
//                 "delete" | "expire" | "noop" | "skip",
//       "kind": "Node" | "Project",
//       "name": "<metadata.name>",
//       "origin": "projects/web.yaml:1",  // only when known (not for prunes)
//       "reason": "...",                  // only when set
//       "mutates": true,                  // executing it writes to the server
//       "conflict": true,                 // only when another source owns it
//       "phase": "Running",               // Projects that exist: live phase,
//       "health": "Healthy" | "Progressing" | "Degraded",
//       "degraded": false,                // Failed or unhealthy
//       "healthMessage": "...",           // why, when degraded
//       "wave": 1,                        // caravanserai.io/sync-wave, when not 0
//       "changes": [{                     // per field; [] when none
//         "path": "spec.services[web].image",
//         "before": <JSON value>,         // omitted when the field is added
//         "after": <JSON value>           // omitted when the field is removed
//       }],
//       "result": {"ok": true, "message": "configured"}  // SyncReport, executed only
//     }],
//     "refusals": ["..."],                // prune guards that fired; [] when none
//     "summary": {"create": 0, "update": 0, "drift": 0, "delete": 0, "drain": 0,
//                 "undrain": 0, "expire": 0, "noop": 0, "skip": 0,
//                 "degraded": 0,          // degraded projects of the source
//                 "failed": 0}            // SyncReport only
//   }
//
// The summary counts the plan's actions by type (every expire, including
// those of objects that were never created); "drift" counts updates that
// revert a live edit (they are not counted as "update"); "failed" counts executed
// actions whose result is not ok. A change's before/after is omitted rather
// than null because the plan engine uses null for "absent on that side".
#include "cli/plan_report.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "cli/report_health.h"
#include "common/html_escape.h"
#include "gitops/text_diff.h"

namespace cara::cli {
namespace {

using gitops::Action;
using gitops::ActionOutcome;
using gitops::ActionType;
using gitops::Plan;
using gitops::SourceInfo;
using ojson = nlohmann::ordered_json;

constexpr char kRed[] = "\x1b[31m";
constexpr char kGreen[] = "\x1b[32m";
constexpr char kYellow[] = "\x1b[33m";
constexpr char kCyan[] = "\x1b[36m";
constexpr char kBold[] = "\x1b[1m";
constexpr char kReset[] = "\x1b[0m";

// The order in which summaries list the mutating action types.
constexpr ActionType kSummaryTypes[] = {ActionType::kCreate,  ActionType::kUpdate,
                                        ActionType::kDelete,  ActionType::kDrain,
                                        ActionType::kUndrain, ActionType::kExpire};

const Plan& PlanOf(const PlanReport& report) {
  static const Plan kEmpty;
  return report.plan != nullptr ? *report.plan : kEmpty;
}

bool IsSync(const PlanReport& report) { return report.mode == "sync"; }

const ActionOutcome* OutcomeAt(const PlanReport& report, size_t i) {
  if (i >= report.outcomes.size() || !report.outcomes[i].has_value()) return nullptr;
  return &*report.outcomes[i];
}

std::string ShortSha(const std::string& sha) { return sha.substr(0, 12); }

// "project/web": kubectl's spelling of an object reference.
std::string ObjectRef(const Action& a) {
  std::string kind = a.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return kind + "/" + a.name;
}

// "<id> at <sha>", "<id>, base <sha> → <sha>", or just "<id>" for a directory.
std::string SourceText(const SourceInfo& s) {
  if (!s.base_commit.empty()) {
    return s.id + ", base " + ShortSha(s.base_commit) + " → " + ShortSha(s.commit);
  }
  return s.commit.empty() ? s.id : s.id + " at " + ShortSha(s.commit);
}

std::string Plural(int n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// Executed actions whose outcome is not ok.
int FailedCount(const PlanReport& report) {
  int failed = 0;
  for (size_t i = 0; i < PlanOf(report).actions.size(); ++i) {
    const ActionOutcome* o = OutcomeAt(report, i);
    if (o != nullptr && !o->ok) ++failed;
  }
  return failed;
}

// Executed actions of `type` that succeeded.
int SucceededCount(const PlanReport& report, ActionType type) {
  int n = 0;
  const Plan& plan = PlanOf(report);
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const ActionOutcome* o = OutcomeAt(report, i);
    if (o != nullptr && o->ok && plan.actions[i].type == type) ++n;
  }
  return n;
}

// Mutating actions a real sync did not get to (it stopped early).
int NotRunCount(const PlanReport& report) {
  int n = 0;
  const Plan& plan = PlanOf(report);
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    if (plan.actions[i].mutates && OutcomeAt(report, i) == nullptr) ++n;
  }
  return n;
}

// "5 unchanged, 1 skipped", then ", 1 degraded" when a project is.
std::string UnchangedText(const Plan& plan) {
  std::string text = std::to_string(plan.Count(ActionType::kNoop)) + " unchanged, " +
                     std::to_string(plan.Count(ActionType::kSkip)) + " skipped";
  if (int degraded = plan.Degraded(); degraded > 0) {
    text += ", " + std::to_string(degraded) + " degraded";
  }
  return text;
}

// "1 drift to revert" after the updates, only when there is drift: most
// plans have none.
std::string DriftText(int count, const char* verb) {
  return count > 0 ? ", " + std::to_string(count) + " drift " + verb : "";
}

// "2 to create, 1 to update, ...; 5 unchanged, 1 skipped"
std::string PlannedText(const Plan& plan) {
  std::string text;
  for (ActionType type : kSummaryTypes) {
    text += (text.empty() ? "" : ", ") + std::to_string(plan.Count(type)) + " to " +
            gitops::ActionName(type);
    if (type == ActionType::kUpdate) text += DriftText(plan.Count(ActionType::kDrift), "to revert");
  }
  return text + "; " + UnchangedText(plan);
}

// "created", "updated", "drained", ...: every action name is a regular verb.
std::string PastTense(ActionType type) {
  std::string name = gitops::ActionName(type);
  return name.back() == 'e' ? name + "d" : name + "ed";
}

// "2 created, 1 updated, ...; 5 unchanged, 1 skipped, 1 failed"
std::string SyncedText(const PlanReport& report) {
  std::string text;
  for (ActionType type : kSummaryTypes) {
    text += (text.empty() ? "" : ", ") + std::to_string(SucceededCount(report, type)) + " " +
            PastTense(type);
    if (type == ActionType::kUpdate) {
      text += DriftText(SucceededCount(report, ActionType::kDrift), "reverted");
    }
  }
  text +=
      "; " + UnchangedText(PlanOf(report)) + ", " + std::to_string(FailedCount(report)) + " failed";
  int not_run = NotRunCount(report);
  if (not_run > 0) text += ", " + std::to_string(not_run) + " not run";
  return text;
}

// The summary sentence shared by the text and Markdown renderings.
std::string SummarySentence(const PlanReport& report) {
  const Plan& plan = PlanOf(report);
  if (!IsSync(report)) return "Plan: " + PlannedText(plan) + ".";
  if (!plan.refusals.empty())
    return "Sync refused, nothing was changed. Plan: " + PlannedText(plan) + ".";
  if (report.dry_run) return "Dry run, nothing was changed. Plan: " + PlannedText(plan) + ".";
  return "Sync: " + SyncedText(report) + ".";
}

// Said instead of the summary when there is nothing to do.
std::string InSyncSentence(const PlanReport& report) {
  const SourceInfo& s = report.source;
  std::string text = IsSync(report) ? "Nothing to do" : "No differences";
  if (!s.base_commit.empty()) {
    text += ": " + s.id + " defines the same objects at " + ShortSha(s.base_commit) + " and " +
            ShortSha(s.commit);
  } else {
    text += ": the cluster matches " + SourceText(s);
  }
  return text + " (" + UnchangedText(PlanOf(report)) + ").";
}

bool ShowInSync(const PlanReport& report) {
  return PlanOf(report).InSync() && PlanOf(report).refusals.empty();
}

// "ok: configured" / "FAILED: <message>"
std::string OutcomeText(const ActionOutcome& o) {
  std::string text = o.ok ? "ok" : "FAILED";
  return o.message.empty() ? text : text + ": " + o.message;
}

// '+' create, '~' update, '!' drain/undrain, '-' delete and expire of a live
// object, '=' noop, '#' (informational) skip and expire of an absent object.
char Symbol(const Action& a) {
  switch (a.type) {
    case ActionType::kCreate:
      return '+';
    case ActionType::kUpdate:
    case ActionType::kDrift:
      return '~';
    case ActionType::kDrain:
    case ActionType::kUndrain:
      return '!';
    case ActionType::kDelete:
      return '-';
    case ActionType::kExpire:
      return a.mutates ? '-' : '#';
    case ActionType::kNoop:
      return '=';
    case ActionType::kSkip:
      return '#';
  }
  return '?';
}

const char* SymbolColor(char symbol) {
  switch (symbol) {
    case '+':
      return kGreen;
    case '-':
      return kRed;
    case '~':
    case '!':
      return kYellow;
    default:
      return "";
  }
}

std::string Paint(const std::string& text, const char* code, bool color) {
  if (!color || *code == '\0') return text;
  return code + text + kReset;
}

// A degraded project is listed even when it is in sync: that is the news.
bool Degraded(const Action& a) { return a.health && a.health->degraded; }

std::string YamlOrEmpty(const nlohmann::json& view) {
  return view.is_null() ? "" : RenderYaml(view);
}

// The unified YAML diff of a mutating action's views; empty for the others.
// Labels say which side is which: live vs source, or the two revisions of
// an offline diff --base.
std::string ObjectDiff(const SourceInfo& s, const Action& a) {
  if (!a.mutates || (a.before.is_null() && a.after.is_null())) return "";
  const std::string ref = ObjectRef(a);
  std::string from = "live/" + ref, to = "source/" + ref;
  if (!s.base_commit.empty()) {
    from = ShortSha(s.base_commit) + "/" + ref;
    to = (s.commit.empty() ? std::string("source") : ShortSha(s.commit)) + "/" + ref;
  }
  return gitops::UnifiedDiff(YamlOrEmpty(a.before), YamlOrEmpty(a.after), from, to);
}

// ---- text ------------------------------------------------------------------

const char* DiffLineColor(const std::string& line, int line_no) {
  if (line_no < 2) return kBold;  // "--- from" / "+++ to"
  if (line.rfind("@@", 0) == 0) return kCyan;
  if (!line.empty() && line[0] == '+') return kGreen;
  if (!line.empty() && line[0] == '-') return kRed;
  return "";
}

void AppendIndentedDiff(const std::string& diff, bool color, std::string& out) {
  int line_no = 0;
  for (size_t i = 0; i < diff.size();) {
    size_t end = diff.find('\n', i);
    if (end == std::string::npos) end = diff.size();
    std::string line = diff.substr(i, end - i);
    out += "  " + Paint(line, DiffLineColor(line, line_no++), color) + "\n";
    i = end + 1;
  }
}

std::string TextActionLine(const Action& a, const ActionOutcome* outcome, bool color) {
  const char symbol = Symbol(a);
  std::string line =
      Paint(std::string(1, symbol) + " " + gitops::ActionName(a.type), SymbolColor(symbol), color) +
      " " + ObjectRef(a);
  if (a.wave != 0) line += " [wave " + std::to_string(a.wave) + "]";
  if (!a.origin.empty()) line += " (" + a.origin + ")";
  if (a.health) {
    line += " " + Paint("[" + HealthText(*a.health) + "]", a.health->degraded ? kRed : "", color);
  }
  if (!a.reason.empty()) line += " — " + a.reason;
  if (outcome != nullptr) {
    line += " → " + Paint(OutcomeText(*outcome), outcome->ok ? "" : kRed, color);
  }
  return line + "\n";
}

void AppendTextActions(const PlanReport& report, const TextStyle& style, std::string& out) {
  const Plan& plan = PlanOf(report);
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (a.type == ActionType::kNoop && !style.show_noops && !Degraded(a)) continue;
    out += TextActionLine(a, OutcomeAt(report, i), style.color);
    std::string diff = style.show_diff ? ObjectDiff(report.source, a) : "";
    if (diff.empty()) continue;
    AppendIndentedDiff(diff, style.color, out);
    out += "\n";  // a blank line keeps one object's diff apart from the next action
  }
}

// Ends the current block of lines with one blank line, unless it has one.
void EndParagraph(std::string& out) {
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\n\n") != 0) out += "\n";
}

std::string TextHeader(const PlanReport& report, bool color) {
  std::string header = "Source: " + SourceText(report.source);
  if (IsSync(report) && report.dry_run) header += " (dry run)";
  return Paint(header, kCyan, color) + "\n";
}

// ---- Markdown --------------------------------------------------------------

// Table cells: a '|' would end the cell and a newline the row.
std::string EscapeCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += (c == '\n' || c == '\r') ? ' ' : c;
    }
  }
  return out;
}

// A code fence longer than any run of backticks in `body`, so a YAML value
// holding "```" cannot close the block early.
std::string FenceFor(const std::string& body) {
  size_t longest = 0, run = 0;
  for (char c : body) {
    run = (c == '`') ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string MarkdownHeading(const PlanReport& report) {
  const Plan& plan = PlanOf(report);
  std::string changes = plan.InSync() ? "no changes" : Plural(plan.Mutating(), "change");
  if (int degraded = plan.Degraded(); degraded > 0)
    changes += ", " + std::to_string(degraded) + " degraded";
  if (!IsSync(report)) return "### caractrl diff: " + changes;
  if (!plan.refusals.empty()) return "### caractrl sync: refused";
  if (report.dry_run) return "### caractrl sync (dry run): " + changes;
  int failed = FailedCount(report);
  return "### caractrl sync: " + changes +
         (failed > 0 ? ", " + std::to_string(failed) + " failed" : "");
}

std::string MarkdownSource(const SourceInfo& s) {
  std::string text = "Source: `" + s.id + "`";
  if (!s.base_commit.empty()) {
    return text + ", base `" + ShortSha(s.base_commit) + "` → `" + ShortSha(s.commit) + "`";
  }
  return s.commit.empty() ? text : text + " at `" + ShortSha(s.commit) + "`";
}

std::string MarkdownRow(const Action& a, const ActionOutcome* outcome) {
  std::string details = a.origin;
  auto add = [&](const std::string& part) { details += (details.empty() ? "" : " — ") + part; };
  if (a.health) add(Degraded(a) ? "**" + HealthText(*a.health) + "**" : HealthText(*a.health));
  if (!a.reason.empty()) add(a.reason);
  if (outcome != nullptr)
    add(outcome->ok ? OutcomeText(*outcome) : "**" + OutcomeText(*outcome) + "**");
  return "| `" + std::string(1, Symbol(a)) + "` " + gitops::ActionName(a.type) + " | `" +
         EscapeCell(ObjectRef(a)) + "` | " + EscapeCell(details) + " |\n";
}

std::string MarkdownTable(const PlanReport& report) {
  const Plan& plan = PlanOf(report);
  std::string rows;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    if (plan.actions[i].type == ActionType::kNoop && !Degraded(plan.actions[i])) continue;
    rows += MarkdownRow(plan.actions[i], OutcomeAt(report, i));
  }
  if (rows.empty()) return "";
  return "| Action | Object | Details |\n| --- | --- | --- |\n" + rows + "\n";
}

std::string MarkdownDiffs(const PlanReport& report) {
  std::string out;
  for (const Action& a : PlanOf(report).actions) {
    std::string diff = ObjectDiff(report.source, a);
    if (diff.empty()) continue;
    std::string fence = FenceFor(diff);
    out += "<details><summary>" +
           HtmlEscape(std::string(gitops::ActionName(a.type)) + " " + ObjectRef(a)) +
           "</summary>\n\n" + fence + "diff\n" + diff + fence + "\n\n</details>\n\n";
  }
  return out;
}

std::string MarkdownRefusals(const Plan& plan) {
  if (plan.refusals.empty()) return "";
  std::string out = "> [!WARNING]\n";
  for (const std::string& r : plan.refusals) out += "> refused: " + HtmlEscape(r) + "\n>\n";
  out.resize(out.size() - 2);  // no dangling ">" line after the last refusal
  return out + "\n";
}

// ---- JSON ------------------------------------------------------------------

ojson SourceJson(const SourceInfo& s) {
  ojson j = ojson::object();
  j["id"] = s.id;
  j["commit"] = s.commit.empty() ? ojson(nullptr) : ojson(s.commit);
  if (!s.base_commit.empty()) j["baseCommit"] = s.base_commit;
  return j;
}

ojson ChangesJson(const Action& a) {
  ojson changes = ojson::array();
  for (const gitops::FieldChange& c : a.changes) {
    ojson j = ojson::object();
    j["path"] = c.path;
    if (!c.before.is_null()) j["before"] = ojson(c.before);
    if (!c.after.is_null()) j["after"] = ojson(c.after);
    changes.push_back(std::move(j));
  }
  return changes;
}

ojson ActionJson(const Action& a, const ActionOutcome* outcome) {
  ojson j = ojson::object();
  j["action"] = gitops::ActionName(a.type);
  j["kind"] = a.kind;
  j["name"] = a.name;
  if (!a.origin.empty()) j["origin"] = a.origin;
  if (!a.reason.empty()) j["reason"] = a.reason;
  j["mutates"] = a.mutates;
  if (a.conflict) j["conflict"] = true;
  if (a.health) AddHealthJson(*a.health, j);
  if (a.wave != 0) j["wave"] = a.wave;
  j["changes"] = ChangesJson(a);
  if (outcome != nullptr) j["result"] = {{"ok", outcome->ok}, {"message", outcome->message}};
  return j;
}

ojson SummaryJson(const PlanReport& report) {
  const Plan& plan = PlanOf(report);
  ojson j = ojson::object();
  for (ActionType type : kSummaryTypes) {
    j[gitops::ActionName(type)] = plan.Count(type);
    if (type == ActionType::kUpdate) j["drift"] = plan.Count(ActionType::kDrift);
  }
  j["noop"] = plan.Count(ActionType::kNoop);
  j["skip"] = plan.Count(ActionType::kSkip);
  j["degraded"] = plan.Degraded();
  if (IsSync(report)) j["failed"] = FailedCount(report);
  return j;
}

}  // namespace

std::string RenderPlanText(const PlanReport& report, const TextStyle& style) {
  const Plan& plan = PlanOf(report);
  std::string out = TextHeader(report, style.color) + "\n";
  AppendTextActions(report, style, out);
  EndParagraph(out);
  for (const std::string& r : plan.refusals) {
    out += Paint("refused:", kRed, style.color) + " " + r + "\n";
  }
  EndParagraph(out);
  if (ShowInSync(report)) return out + InSyncSentence(report) + "\n";
  return out + Paint(SummarySentence(report), kBold, style.color) + "\n";
}

namespace {

ojson ReportJson(const PlanReport& report) {
  const Plan& plan = PlanOf(report);
  ojson j = ojson::object();
  j["apiVersion"] = "caractrl/v1";
  j["kind"] = IsSync(report) ? "SyncReport" : "DiffReport";
  j["source"] = SourceJson(report.source);
  if (IsSync(report)) j["dryRun"] = report.dry_run;
  j["planHash"] = plan.hash;
  j["inSync"] = plan.InSync();
  j["actions"] = ojson::array();
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    j["actions"].push_back(ActionJson(plan.actions[i], OutcomeAt(report, i)));
  }
  j["refusals"] = plan.refusals;
  j["summary"] = SummaryJson(report);
  return j;
}

}  // namespace

std::string RenderPlanJson(const PlanReport& report) { return ReportJson(report).dump(2) + "\n"; }

// Keys sorted, as every -o yaml of caractrl prints them.
std::string RenderPlanYaml(const PlanReport& report) {
  return RenderYaml(nlohmann::json(ReportJson(report)));
}

std::string RenderPlanMarkdown(const PlanReport& report) {
  std::string out = MarkdownHeading(report) + "\n\n" + MarkdownSource(report.source) + "\n\n";
  out += MarkdownTable(report);
  out += MarkdownDiffs(report);
  out += MarkdownRefusals(PlanOf(report));
  if (!PlanOf(report).refusals.empty()) out += "\n";
  if (ShowInSync(report)) return out + InSyncSentence(report) + "\n";
  return out + "**" + SummarySentence(report) + "**\n";
}

}  // namespace cara::cli
