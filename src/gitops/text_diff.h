// Unified diffs of two texts, for showing how an object's YAML changes.
#pragma once

#include <string>

namespace cara::gitops {

// A standard unified diff ("--- before_label", "+++ after_label", then
// "@@ -l,n +l,n @@" hunks with `context_lines` lines of context), computed by
// libgit2 (the same algorithm as `git diff`). Empty when the texts are equal.
// A text that does not end in a newline gets a "\ No newline at end of file"
// marker after its last line, as diff(1) and git do; every line of the result
// ends with '\n'.
std::string UnifiedDiff(const std::string& before, const std::string& after,
                        const std::string& before_label, const std::string& after_label,
                        int context_lines = 3);

}  // namespace cara::gitops
