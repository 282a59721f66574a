// What every route handler needs: the store, the clock and the options.
#pragma once

#include "common/clock.h"
#include "server/api_server.h"
#include "store/store.h"

namespace cara::server {

class Router;

struct HandlerContext {
  store::Store* store;
  Clock* clock;
  ServerOptions options;
};

void RegisterNodeRoutes(Router& router, const HandlerContext& ctx);
void RegisterProjectRoutes(Router& router, const HandlerContext& ctx);

}  // namespace cara::server
