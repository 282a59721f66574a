// How get (and describe -o json|yaml) print Nodes, Projects and Secrets: the
// reference tables, their -o wide variants, -o name (kubectl's
// "project/web"), and JSON/YAML of one object or of a <Kind>List. A Secret
// as the server sends it holds key names and digests, never values.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "cli/resource_kind.h"
#include "common/clock.h"

namespace cara::cli {

struct PrintOptions {
  OutputFormat format = OutputFormat::kTable;
  bool headers = true;  // tables: the header line (--no-headers drops it)
  bool as_list = true;  // json/yaml: a <Kind>List, else the one object
  Timestamp now;        // for AGE and EXPIRES
};

// `objects` are API objects as the server sent them (key order kept).
std::string PrintObjects(ResourceKind kind, const std::vector<nlohmann::ordered_json>& objects,
                         const PrintOptions& options);

}  // namespace cara::cli
