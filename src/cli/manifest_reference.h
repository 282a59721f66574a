// docs/manifest-reference.md: every field of every manifest kind, generated
// from the schemas (`caractrl explain -o markdown`), so the reference cannot
// drift from what the server accepts. A test regenerates it and compares.
#pragma once

#include <string>
#include <vector>

#include "api/field_docs.h"

namespace cara::cli {

// The whole document: a title, how it is made, a table of contents, then a
// section per kind in the order given with a table of its fields
// (path, type, required, description).
std::string ManifestReference(const std::vector<api::KindDoc>& kinds);

// One kind's section ("## Project" and its table).
std::string ManifestReferenceSection(const api::KindDoc& kind);

// `text` for a Markdown table cell: '|' escaped, '<' and '>' as entities
// (GitHub would take <project> for an HTML tag and drop it).
std::string MarkdownCell(const std::string& text);

}  // namespace cara::cli
