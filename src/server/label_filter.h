// ?labelSelector= on the list routes: Kubernetes label selectors
// (api/label_selector.h) applied to the stored objects' metadata.labels.
#pragma once

#include <string>
#include <vector>

#include "api/label_selector.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace cara::server {

// Reads the request's labelSelector (absent or empty: everything). An invalid
// one gets a 400 problem naming the parameter and the problem, and false.
bool ParseLabelSelectorParam(const httplib::Request& req, httplib::Response& res,
                             api::LabelSelector* out);

// Keeps the encoded objects whose labels the selector matches, in order.
void KeepMatching(const api::LabelSelector& selector, std::vector<std::string>& items);

}  // namespace cara::server
