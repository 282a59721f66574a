// How get (and describe -o json|yaml) print Nodes and Projects: the
// reference tables, their -o wide variants, -o name (kubectl's
// "project/web"), and JSON/YAML of one object or of a <Kind>List.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "common/clock.h"

namespace cara::cli {

struct PrintOptions {
  OutputFormat format = OutputFormat::kTable;
  bool headers = true;  // tables: the header line (--no-headers drops it)
  bool as_list = true;  // json/yaml: a NodeList/ProjectList, else the one object
  Timestamp now;        // for AGE and EXPIRES
};

// `objects` are API objects as the server sent them (key order kept).
std::string PrintObjects(bool nodes, const std::vector<nlohmann::ordered_json>& objects,
                         const PrintOptions& options);

// "node/<name>" or "project/<name>".
std::string ObjectRef(bool node, const std::string& name);

}  // namespace cara::cli
