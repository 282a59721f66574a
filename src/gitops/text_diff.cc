#include "gitops/text_diff.h"

#include <git2.h>

#include <algorithm>

#include "gitops/libgit2_init.h"

namespace cara::gitops {
namespace {

struct DiffOutput {
  std::string before_label;
  std::string after_label;
  std::string text;
};

int OnHunk(const git_diff_delta* /*delta*/, const git_diff_hunk* hunk, void* payload) {
  auto* out = static_cast<DiffOutput*>(payload);
  if (out->text.empty()) {
    out->text = "--- " + out->before_label + "\n+++ " + out->after_label + "\n";
  }
  // libgit2 appends git's "function context" after the closing "@@" (for
  // YAML, the nearest unindented line above the hunk); plain diff -u does
  // not, and keeping the header bare makes the output easy to assert on.
  std::string header(hunk->header, hunk->header_len);
  size_t close = header.find("@@", 2);
  header = (close == std::string::npos) ? header.substr(0, header.find('\n'))
                                        : header.substr(0, close + 2);
  out->text += header + "\n";
  return 0;
}

int OnLine(const git_diff_delta* /*delta*/, const git_diff_hunk* /*hunk*/,
           const git_diff_line* line, void* payload) {
  auto* out = static_cast<DiffOutput*>(payload);
  switch (line->origin) {
    case GIT_DIFF_LINE_CONTEXT:
    case GIT_DIFF_LINE_ADDITION:
    case GIT_DIFF_LINE_DELETION:
      out->text += line->origin;
      out->text.append(line->content, line->content_len);
      // The last line of a text without a final newline; the EOFNL marker
      // line that libgit2 sends next says so.
      if (out->text.back() != '\n') out->text += '\n';
      break;
    case GIT_DIFF_LINE_CONTEXT_EOFNL:
    case GIT_DIFF_LINE_ADD_EOFNL:
    case GIT_DIFF_LINE_DEL_EOFNL:
      out->text += "\\ No newline at end of file\n";
      break;
    default:
      break;
  }
  return 0;
}

}  // namespace

std::string UnifiedDiff(const std::string& before, const std::string& after,
                        const std::string& before_label, const std::string& after_label,
                        int context_lines) {
  if (before == after) return "";
  internal::InitLibgit2();
  git_diff_options options;
  git_diff_options_init(&options, GIT_DIFF_OPTIONS_VERSION);
  options.context_lines = static_cast<uint32_t>(std::max(context_lines, 0));
  // YAML may hold any string, including a NUL; never collapse the diff to
  // "Binary files differ".
  options.flags |= GIT_DIFF_FORCE_TEXT;
  DiffOutput out{before_label, after_label, ""};
  int rc = git_diff_buffers(before.data(), before.size(), before_label.c_str(), after.data(),
                            after.size(), after_label.c_str(), &options, nullptr, nullptr, OnHunk,
                            OnLine, &out);
  if (rc != 0) {
    // Only an allocation failure gets here; say so rather than show nothing,
    // which would read as "no change".
    const git_error* e = git_error_last();
    return "--- " + before_label + "\n+++ " + after_label + "\n(diff unavailable: " +
           ((e != nullptr && e->message != nullptr) ? e->message : "libgit2 error") + ")\n";
  }
  return out.text;
}

}  // namespace cara::gitops
