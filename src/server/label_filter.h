// ?labelSelector= on the list routes: Kubernetes label selectors
// (api/label_selector.h) applied to the stored objects' metadata.labels.
#pragma once

#include <string>
#include <vector>

#include "api/label_selector.h"
#include "server/httplib_fwd.h"
#include "server/problem.h"

namespace cara::server {

// Reads the request's labelSelector (absent or empty: everything). An invalid
// one is a 400 problem naming the parameter and the problem.
Decoded<api::LabelSelector> ParseLabelSelectorParam(const httplib::Request& req);

// Keeps the encoded objects whose labels the selector matches, in order.
void KeepMatching(const api::LabelSelector& selector, std::vector<std::string>& items);

}  // namespace cara::server
