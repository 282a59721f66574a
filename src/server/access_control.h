// The one gate every route passes: authentication (bearer token → Principal,
// 401 otherwise), authorization (api/authorization decides, 403 otherwise),
// narrowing of lists to what the caller may see, and the audit record of
// each successful write. Health, readiness, version and the dashboard's
// static files stay open.
#pragma once

#include <string>

#include "common/clock.h"
#include "server/audit_log.h"
#include "server/router.h"
#include "server/token_cache.h"
#include "store/store.h"

namespace cara::server {

// The PathParams entry in which a handler finds the caller's token id (a
// name no route pattern uses, so no request can set it). Handlers that
// record who did something read it; with --no-auth it is "".
inline constexpr char kCallerTokenIdParam[] = "@caller";

// Who the caller is, for the one route any authenticated caller may use:
// role, description, and the preview prefix or the node it is bound to.
inline constexpr char kWhoAmIPattern[] = "/api/v1/whoami";
inline constexpr char kCallerRoleParam[] = "@role";
inline constexpr char kCallerDescriptionParam[] = "@description";
inline constexpr char kCallerNamePrefixParam[] = "@namePrefix";
inline constexpr char kCallerMaxTtlParam[] = "@maxTTL";
inline constexpr char kCallerNodeParam[] = "@node";

class AccessControl {
 public:
  // A null `tokens` accepts every call as admin (--no-auth).
  AccessControl(store::Store* store, Clock* clock, const TokenCache* tokens, AuditLog* audit);

  void Serve(const httplib::Request& req, httplib::Response& res, const std::string& pattern,
             const PathParams& params, const RouteHandler& handler) const;

 private:
  store::Store* store_;
  Clock* clock_;
  const TokenCache* tokens_;
  AuditLog* audit_;
};

}  // namespace cara::server
