#include "bench/report.h"

#include <algorithm>
#include <array>
#include <iostream>

namespace cara::bench {
namespace {

const char* VerdictText(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kMiss:
      return "MISS";
    case Verdict::kInfo:
      return "info";
    case Verdict::kNa:
      return "n/a";
    case Verdict::kError:
      return "ERROR";
  }
  return "?";
}

// Display width: the UTF-8 continuation bytes of "≤", "µ" and "→" take no column.
size_t Width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

using Cells = std::array<std::string, 6>;

void PrintLine(std::ostream& out, const Cells& cells, const std::array<size_t, 6>& widths) {
  out << "|";
  for (size_t i = 0; i < cells.size(); ++i) {
    out << " " << cells[i] << std::string(widths[i] - Width(cells[i]), ' ') << " |";
  }
  out << "\n";
}

}  // namespace

void Report::AddNa(const std::string& benchmark, const std::string& why) {
  Add({benchmark, "n/a (" + why + ")", "", "", "", Verdict::kNa});
}

// The table gets the first line; the whole message (a server log, wrk's
// report) goes to stderr.
void Report::AddError(const std::string& benchmark, const std::string& what) {
  std::cerr << "cara-bench: " << benchmark << " failed: " << what << std::endl;
  std::string first = what.substr(0, what.find('\n'));
  if (first.size() > 160) first = first.substr(0, 160) + "…";
  Add({benchmark, "error: " + first, "", "", "", Verdict::kError});
}

bool Report::has_errors() const {
  return std::any_of(rows_.begin(), rows_.end(),
                     [](const Row& r) { return r.verdict == Verdict::kError; });
}

void Report::Print(std::ostream& out) const {
  const Cells header = {"benchmark", "figure", "baseline", "ratio", "target", "result"};
  std::vector<Cells> lines = {header};
  for (const Row& r : rows_) {
    lines.push_back({r.benchmark, r.figure, r.baseline, r.ratio, r.target, VerdictText(r.verdict)});
  }
  std::array<size_t, 6> widths{};
  for (const Cells& cells : lines) {
    for (size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], Width(cells[i]));
  }
  PrintLine(out, header, widths);
  out << "|";
  for (size_t w : widths) out << std::string(w + 2, '-') << "|";
  out << "\n";
  for (size_t i = 1; i < lines.size(); ++i) PrintLine(out, lines[i], widths);
}

}  // namespace cara::bench
