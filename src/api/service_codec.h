// JSON of one service of a Project's spec, in the wire layout (camelCase,
// empty fields left out). Defaults that would make a diff see a change where
// there is none (a port's protocol) are filled in when decoding.
#pragma once

#include <nlohmann/json.hpp>

#include "api/json_fields.h"
#include "api/types.h"

namespace cara::api {

nlohmann::ordered_json ServiceToJson(const ServiceDef& service);
ServiceDef ReadService(const JsonReader& r);

}  // namespace cara::api
