// The kinds of object get, describe and delete work on, and their names:
// the words a user types (node, nodes), the API collection and the kind.
#pragma once

#include <optional>
#include <string>

namespace cara::cli {

enum class ResourceKind { kNode, kProject, kSecret };

struct ResourceNames {
  const char* singular;    // "node": messages and -o name ("node/a")
  const char* plural;      // "nodes"
  const char* collection;  // "/api/v1/nodes"
  const char* kind;        // "Node"
  const char* list_kind;   // "NodeList"
};

const ResourceNames& NamesOf(ResourceKind kind);

// node|nodes|project|projects|secret|secrets; nullopt for anything else.
std::optional<ResourceKind> ParseResourceWord(const std::string& word);

// From a manifest's or an action's kind ("Node", "Project", "Secret");
// anything else is a Project, the kind before there were others.
ResourceKind FromKind(const std::string& kind);

// "node/<name>", "project/<name>" or "secret/<name>".
std::string ObjectRef(ResourceKind kind, const std::string& name);

}  // namespace cara::cli
