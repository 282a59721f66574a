// What every route handler needs: the store, the clock and the options.
#pragma once

#include "common/clock.h"
#include "server/api_server.h"
#include "store/store.h"

namespace cara::server {

class Router;

class WatchHub;

struct HandlerContext {
  store::Store* store;
  Clock* clock;
  ServerOptions options;
  WatchHub* watch_hub = nullptr;  // ?watch=true on the list routes
};

void RegisterNodeRoutes(Router& router, const HandlerContext& ctx);
void RegisterProjectRoutes(Router& router, const HandlerContext& ctx);
// Tokens and the audit trail.
void RegisterTokenRoutes(Router& router, const HandlerContext& ctx);
// A node joining with a join token: its credential and certificate.
void RegisterJoinRoutes(Router& router, const HandlerContext& ctx);
// Logs of a project's service, read from its node's agent.
void RegisterProjectLogRoutes(Router& router, const HandlerContext& ctx);
// A WebSocket tunnel to a port of a project's service, through its agent.
void RegisterProjectForwardRoutes(Router& router, const HandlerContext& ctx);
// Secrets (values write-only, read back by nodes only) and the public sealing key.
void RegisterSecretRoutes(Router& router, const HandlerContext& ctx);

}  // namespace cara::server
