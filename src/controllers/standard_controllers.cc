#include "controllers/standard_controllers.h"

#include "controllers/event_retention.h"
#include "controllers/expiry.h"
#include "controllers/node_health.h"
#include "controllers/rescheduler.h"
#include "controllers/scheduler.h"
#include "controllers/state_change_events.h"
#include "controllers/termination.h"
#include "store/secret_records.h"

namespace cara::controllers {

void AddStandardControllers(Manager& manager, store::Store* store, Clock* clock,
                            const ControllerConfig& config) {
  auto events = std::make_shared<StoreEventRecorder>(store, clock, config.events);
  manager.Add(std::make_unique<NodeHealthController>(store, clock, config));
  manager.Add(std::make_unique<SchedulerController>(store, clock, config,
                                                    store::SecretLookupFor(*store), events));
  manager.Add(std::make_unique<TerminationController>(store, clock));
  manager.Add(std::make_unique<ReschedulerController>(store, clock, config, events));
  manager.Add(std::make_unique<ExpiryController>(store, clock, events));
  manager.Add(std::make_unique<StateChangeEventsController>(store, clock, events));
  manager.Add(std::make_unique<EventRetentionController>(store, clock, config.events.ttl));
}

}  // namespace cara::controllers
