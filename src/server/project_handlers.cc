// Project routes. Each handler decodes the request (server/request_body),
// decides with the life-cycle rules (api/lifecycle), writes through the
// store and encodes the answer.
#include <httplib.h>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "server/handler_context.h"
#include "server/label_filter.h"
#include "server/list_response.h"
#include "server/request_body.h"
#include "server/response.h"
#include "server/router.h"
#include "server/watch_response.h"

namespace cara::server {
namespace {

void WriteLookupError(httplib::Response& res, const Status& st, const std::string& name) {
  if (st.code() == Code::kNotFound) {
    return WriteProblem(res, 404, "project not found: " + name + ": resource not found");
  }
  WriteError(res, st);
}

class ProjectHandlers {
 public:
  explicit ProjectHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Create(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto project = DecodeProjectCreate(req.body);
    if (!project.ok()) return WriteProblem(res, project.error());
    api::InitNewProject(*project);
    const std::string name = project->metadata.name;
    auto created = ctx_.store->CreateProject(std::move(*project));
    if (!created.ok()) return WriteCreateError(res, created.status(), "project", name);
    WriteJson(res, 201, api::EncodeProject(*created));
  }

  void Replace(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    auto body = DecodeProjectReplace(req.body, name);
    if (!body.ok()) return WriteProblem(res, body.error());
    auto updated = ctx_.store->UpdateProject(name, [&](api::Project& current) {
      return api::ApplyProjectReplace(*body, current, ctx_.clock->Now());
    });
    if (!updated.ok()) return WriteLookupError(res, updated.status(), name);
    WriteJson(res, 200, api::EncodeProject(*updated));
  }

  void List(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto selector = ParseLabelSelectorParam(req);
    if (!selector.ok()) return WriteProblem(res, selector.error());
    store::ProjectFilter filter;
    for (auto [it, end] = req.params.equal_range("phase"); it != end; ++it) {
      filter.phases.push_back(it->second);
    }
    filter.node_ref = req.get_param_value("nodeRef");
    filter.name_prefix = req.get_param_value("namePrefix");
    if (WantsWatch(req)) {
      return ServeWatch(req, res, ctx_.watch_hub, api::kKindProject,
                        ListFilterPredicate(filter, *selector), filter);
    }
    ServeList(req, res, ctx_.store, api::kKindProject, "ProjectList", filter, *selector);
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
      remove = removed = api::ApplyProjectDelete(project, force);
      return Status::Ok();
    });
    if (!result.ok()) return WriteLookupError(res, result.status(), name);
    res.status = removed ? 204 : 202;
  }

  void PatchStatus(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    auto patch = DecodeStatusPatch(req.body);
    if (!patch.ok()) return WriteProblem(res, patch.error());
    auto updated = ctx_.store->UpdateProject(name, [&](api::Project& project) {
      api::ApplyProjectStatusPatch(*patch, project, ctx_.clock->Now());
      return Status::Ok();
    });
    if (!updated.ok()) return WriteLookupError(res, updated.status(), name);
    res.status = 204;
  }

 private:
  HandlerContext ctx_;
};

}  // namespace

void RegisterProjectRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<ProjectHandlers>(ctx);
  router.AddResource("/api/v1/projects", h);
  router.Add("PATCH", "/api/v1/projects/{name}/status", h, &ProjectHandlers::PatchStatus);
}

}  // namespace cara::server
