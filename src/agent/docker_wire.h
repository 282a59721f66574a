// How values travel to and from the Docker Engine API: path and query
// encoding, label filters, and reading the fields of its JSON answers, which
// may be missing or null where an empty value is meant.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/container_engine.h"
#include "common/status.h"

namespace cara::agent {

// Percent-encoding for query values. httplib leaves '%' alone, so values
// encoded here reach Docker unchanged.
std::string QueryEncode(std::string_view s);

// Path segments keep '/', ':' and '@': Docker's image routes are
// /images/{name:.*}/json, so "localhost:5000/a/b@sha256:.." goes in verbatim.
std::string PathEncode(std::string_view s);

// `path` with "filters={"label":["k=v",...]}" (URL-encoded) appended as a
// query parameter, or `path` itself for no filter. Docker ANDs label filters,
// which is the "carrying every given label" contract. An empty value becomes
// the bare key, Docker's "has this label, any value" (its "k=" would match
// only an empty value).
std::string WithLabelFilter(std::string path, const Labels& labels);

// The string at obj[key], or "" when obj is no object or the field is no string.
std::string StringField(const nlohmann::json& obj, const char* key);

// Docker sends null rather than {} for an empty label set.
Labels LabelsFrom(const nlohmann::json& obj);

// Docker names containers "/name".
std::string StripSlash(std::string name);

// A JSON answer body; kInternal naming the start of the body when it is not JSON.
Result<nlohmann::json> ParseEngineJson(const std::string& body);

}  // namespace cara::agent
