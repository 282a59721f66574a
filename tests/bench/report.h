// The results table every benchmark step adds rows to, printed once at the
// end: benchmark | figure | baseline | ratio | target | result. Figures are
// preformatted text so each step can say what its numbers mean ("31,200
// docs/s", "p99 4.1 ms"); the verdict is decided by the step.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cara::bench {

enum class Verdict {
  kPass,   // meets its performance target
  kMiss,   // misses it
  kInfo,   // no target: reported for comparison only
  kNa,     // could not be measured here (no dockerd, command not built)
  kError,  // the step broke: the harness is wrong or the system failed
};

struct Row {
  std::string benchmark;
  std::string figure;
  std::string baseline;
  std::string ratio;
  std::string target;
  Verdict verdict = Verdict::kInfo;
};

class Report {
 public:
  void Add(Row row) { rows_.push_back(std::move(row)); }
  // A row saying why a step measured nothing.
  void AddNa(const std::string& benchmark, const std::string& why);
  void AddError(const std::string& benchmark, const std::string& what);

  bool has_errors() const;
  // A Markdown table whose columns are padded, so it reads in a terminal and
  // pastes into the README unchanged.
  void Print(std::ostream& out) const;

 private:
  std::vector<Row> rows_;
};

// "pass" when ok, "MISS" otherwise.
inline Verdict PassIf(bool ok) { return ok ? Verdict::kPass : Verdict::kMiss; }

}  // namespace cara::bench
