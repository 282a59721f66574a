// The controllers cara-server runs, registered in the reference's order plus
// our expiry controller and the events' (state changes, retention sweep).
#pragma once

#include "controllers/config.h"
#include "controllers/manager.h"

namespace cara::controllers {

void AddStandardControllers(Manager& manager, store::Store* store, Clock* clock,
                            const ControllerConfig& config);

}  // namespace cara::controllers
