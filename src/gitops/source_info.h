// Which source a plan was made from, for ownership and for every report.
#pragma once

#include <string>

namespace cara::gitops {

struct SourceInfo {
  std::string id;           // the source id (repo URL + path, or a directory)
  std::string commit;       // resolved commit SHA; empty for a directory
  std::string base_commit;  // diff --base: the revision compared against
};

}  // namespace cara::gitops
