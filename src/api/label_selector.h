// Kubernetes label selectors (k8s.io/apimachinery/pkg/labels): the grammar
// `kubectl get -l` accepts and the matching rules the API server applies.
// One implementation, used by cara-server (?labelSelector=) and caractrl
// (-l, checked before any request).
//
//   selector    ::= "" | requirement ("," requirement)*
//   requirement ::= KEY | "!" KEY
//                 | KEY ("=" | "==" | "!=") VALUE
//                 | KEY ("in" | "notin") "(" VALUE ("," VALUE)* ")"
//                 | KEY (">" | "<") INTEGER
//
// Blanks (space, tab, CR, LF) may surround any token. KEY is a qualified name
// ([DNS-subdomain "/"] name of at most 63 characters); VALUE is a label value
// (at most 63 characters, possibly empty: "a=" and "a in (,x)" are valid).
// "in" and "notin" are keywords only where an operator is expected, so they
// work as keys and values. All requirements must hold.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"

namespace cara::api {

enum class LabelOperator {
  kEquals,        // = and ==: the key is present with this value
  kNotEquals,     // !=: absent, or another value
  kIn,            // present with one of the values
  kNotIn,         // absent, or none of the values
  kExists,        // KEY
  kDoesNotExist,  // !KEY
  kGreaterThan,   // present, an integer, greater than the value
  kLessThan,      // present, an integer, less than the value
};

struct LabelRequirement {
  std::string key;
  LabelOperator op = LabelOperator::kExists;
  std::vector<std::string> values;  // sorted, unique; empty for (Does Not) Exist

  bool Matches(const StringMap& labels) const;
  bool operator==(const LabelRequirement&) const = default;
};

class LabelSelector {
 public:
  LabelSelector() = default;  // matches everything

  // Invalid text is an Invalid status whose message names the problem and
  // where it is, e.g. `unexpected "=" at column 4: expected "," or the end`;
  // callers add which selector it was.
  static Result<LabelSelector> Parse(std::string_view text);

  bool Matches(const StringMap& labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<LabelRequirement> requirements_;
};

}  // namespace cara::api
