// Project routes (upstream-reference.md §2.3, product.md §2–3).
#include <httplib.h>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "api/validation.h"
#include "server/handler_context.h"
#include "server/label_filter.h"
#include "server/list_response.h"
#include "server/request_body.h"
#include "server/response.h"
#include "server/router.h"

namespace cara::server {
namespace {

using nlohmann::json;

const char kStateConflict[] = "operation conflicts with current resource state: ";

std::string NotFoundDetail(const std::string& name) {
  return "project not found: " + name + ": resource not found";
}

void WriteLookupError(httplib::Response& res, const Status& st, const std::string& name) {
  if (st.code() == Code::kNotFound) return WriteProblem(res, 404, NotFoundDetail(name));
  WriteError(res, st);
}

// The body of PATCH /status: {"phase", "reason"?, "message"?, "observedGeneration"?}.
struct StatusPatch {
  std::string phase;
  std::string reason;
  std::string message;
  std::optional<int64_t> observed_generation;
};

bool DecodeStatusPatch(const json& body, httplib::Response& res, StatusPatch* out) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    std::string* target = key == "phase"     ? &out->phase
                          : key == "reason"  ? &out->reason
                          : key == "message" ? &out->message
                                             : nullptr;
    if (target) {
      if (v.is_null()) continue;
      if (!v.is_string()) {
        WriteProblem(res, 400, "invalid request body: /" + key + ": expected a string");
        return false;
      }
      *target = v.get<std::string>();
    } else if (key == "observedGeneration") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0) {
        WriteProblem(res, 400,
                     "invalid request body: /observedGeneration: expected a non-negative integer");
        return false;
      }
      out->observed_generation = v.get<int64_t>();
    } else {
      WriteProblem(res, 400,
                   "invalid request body: /" + key + ": unknown field " + api::GoQuote(key));
      return false;
    }
  }
  return true;
}

class ProjectHandlers {
 public:
  explicit ProjectHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Create(const httplib::Request& req, httplib::Response& res) {
    json doc;
    api::Project project;
    if (!ParseJsonBody(req, res, &doc) || !DecodeProjectBody(doc, res, &project)) return;
    if (!ValidateProject(doc, project, res)) return;
    if (project.status.phase.empty()) project.status.phase = api::kPhasePending;
    project.status.observed_generation = 0;  // only the agent reports it, via PATCH
    const std::string name = project.metadata.name;
    auto created = ctx_.store->CreateProject(std::move(project));
    if (!created.ok()) return WriteCreateError(res, created.status(), "project", name);
    WriteJson(res, 201, api::EncodeProject(*created));
  }

  void Replace(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    json doc;
    api::Project body;
    if (!ParseJsonBody(req, res, &doc) || !DecodeProjectBody(doc, res, &body)) return;
    if (!CheckNameMatchesPath(doc, body.metadata.name, name, res)) return;
    if (!ValidateProject(doc, body, res, /*name_from_path=*/true)) return;
    auto updated = ctx_.store->UpdateProject(
        name, [&](api::Project& current) { return ApplyReplace(body, current); });
    if (!updated.ok()) return WriteLookupError(res, updated.status(), name);
    WriteJson(res, 200, api::EncodeProject(*updated));
  }

  void List(const httplib::Request& req, httplib::Response& res) {
    api::LabelSelector selector;
    if (!ParseLabelSelectorParam(req, res, &selector)) return;
    store::ProjectFilter filter;
    for (auto [it, end] = req.params.equal_range("phase"); it != end; ++it) {
      filter.phases.push_back(it->second);
    }
    filter.node_ref = req.get_param_value("nodeRef");
    ServeList(req, res, ctx_.store, api::kKindProject, "ProjectList", filter, selector);
  }

  void Get(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    auto body = ctx_.store->GetRaw(api::kKindProject, p.at("name"));
    if (!body.ok()) return WriteLookupError(res, body.status(), p.at("name"));
    WriteJson(res, 200, std::move(*body));
  }

  void Delete(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    const bool force = req.get_param_value("force") == "true";
    bool removed = false;
    auto result = ctx_.store->MutateProject(name, [&](api::Project& project, bool& remove) {
      const std::string& phase = project.status.phase;
      if (force || phase == api::kPhasePending || phase == api::kPhaseFailed) {
        remove = true;
      } else if (phase != api::kPhaseTerminating && phase != api::kPhaseTerminated) {
        project.status.phase = api::kPhaseTerminating;
      }
      removed = remove;
      return Status::Ok();
    });
    if (!result.ok()) return WriteLookupError(res, result.status(), name);
    res.status = removed ? 204 : 202;
  }

  void PatchStatus(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    json body;
    StatusPatch patch;
    if (!ParseJsonBody(req, res, &body) || !DecodeStatusPatch(body, res, &patch)) return;
    if (patch.phase.empty()) return WriteProblem(res, 400, "phase is required");
    if (!api::IsValidProjectPhase(patch.phase)) {
      return WriteProblem(res, 400,
                          "invalid phase " + patch.phase +
                              ": must be one of Pending, Scheduled, Running, Failed, "
                              "Terminating, Terminated");
    }
    auto updated = ctx_.store->UpdateProject(name, [&](api::Project& project) {
      Timestamp now = ctx_.clock->Now();
      if (!patch.reason.empty() || !patch.message.empty()) {
        api::SetProjectPhase(project, patch.phase, patch.reason, patch.message, now);
      } else {
        project.status.phase = patch.phase;
      }
      if (patch.observed_generation)
        project.status.observed_generation = *patch.observed_generation;
      return Status::Ok();
    });
    if (!updated.ok()) return WriteLookupError(res, updated.status(), name);
    res.status = 204;
  }

 private:
  // PUT semantics: spec, labels and annotations replaced in every live phase;
  // a Failed project whose spec changes goes back to Pending for redeployment.
  Status ApplyReplace(const api::Project& body, api::Project& current) {
    const std::string& name = current.metadata.name;
    if (!body.metadata.resource_version.empty() &&
        body.metadata.resource_version != current.metadata.resource_version) {
      return Status::Conflict(
          kStateConflict + std::string("project ") + api::GoQuote(name) + " has resourceVersion " +
          api::GoQuote(current.metadata.resource_version) + ", the request was based on " +
          api::GoQuote(body.metadata.resource_version));
    }
    const std::string& phase = current.status.phase;
    if (phase == api::kPhaseTerminating || phase == api::kPhaseTerminated) {
      return Status::Conflict(kStateConflict + std::string("project ") + api::GoQuote(name) +
                              " is being deleted");
    }
    bool spec_changed = !(current.spec == body.spec);
    current.spec = body.spec;
    current.metadata.labels = body.metadata.labels;
    current.metadata.annotations = body.metadata.annotations;
    if (spec_changed && phase == api::kPhaseFailed) {
      current.status.node_ref.clear();
      api::SetProjectPhase(
          current, api::kPhasePending, "SpecUpdated",
          "Spec changed after a failure; project reset to Pending for redeployment",
          ctx_.clock->Now());
    }
    return Status::Ok();
  }

  HandlerContext ctx_;
};

}  // namespace

void RegisterProjectRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<ProjectHandlers>(ctx);
  router.Add("POST", "/api/v1/projects",
             [h](const auto& req, auto& res, const PathParams&) { h->Create(req, res); });
  router.Add("GET", "/api/v1/projects",
             [h](const auto& req, auto& res, const PathParams&) { h->List(req, res); });
  router.Add("GET", "/api/v1/projects/{name}",
             [h](const auto& req, auto& res, const PathParams& p) { h->Get(req, res, p); });
  router.Add("PUT", "/api/v1/projects/{name}",
             [h](const auto& req, auto& res, const PathParams& p) { h->Replace(req, res, p); });
  router.Add("DELETE", "/api/v1/projects/{name}",
             [h](const auto& req, auto& res, const PathParams& p) { h->Delete(req, res, p); });
  router.Add("PATCH", "/api/v1/projects/{name}/status",
             [h](const auto& req, auto& res, const PathParams& p) { h->PatchStatus(req, res, p); });
}

}  // namespace cara::server
