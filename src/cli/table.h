// Column tables laid out like Go's text/tabwriter with padding 3 (the
// reference CLI's tables): every column but the last is as wide as its widest
// cell plus three spaces; the last is not padded.
#pragma once

#include <string>
#include <vector>

namespace cara::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render(const std::string& indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace cara::cli
