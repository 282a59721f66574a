// Escaping text for HTML: the ingress proxy's error pages and the Markdown
// reports' <details> summaries.
#pragma once

#include <string>
#include <string_view>

namespace cara {

// What Go's html/template does to text: & < > " ' become entities.
std::string HtmlEscape(std::string_view text);

}  // namespace cara
