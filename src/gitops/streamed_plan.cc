#include "gitops/streamed_plan.h"

#include <chrono>
#include <memory>
#include <vector>

namespace cara::gitops {
namespace {

bool Arrived(std::future<Result<LiveState>>& listed) {
  return listed.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

}  // namespace

Result<PlannedSource> LoadAndPlan(const SourceSpec& spec, const std::string& ref,
                                  std::future<Result<LiveState>>& listed,
                                  const PlanOptions& options) {
  // Heap-held: the builder points into out->live while it plans.
  auto out = std::make_unique<PlannedSource>();
  std::optional<PlanBuilder> builder;
  std::vector<DesiredObject> waiting;  // checked, but the live state is not here yet
  auto take_live = [&] {
    Result<LiveState> live = listed.get();
    if (!live.ok()) {
      out->live_status = live.status();
      return;
    }
    out->live = std::move(*live);
    builder.emplace(out->live, options);
  };
  auto loaded = LoadSourceInChunks(
      spec, ref,
      [&](std::vector<DesiredObject>&& chunk) {
        for (auto& d : chunk) waiting.push_back(std::move(d));
        if (!builder && out->live_status.ok() &&
            (waiting.size() >= kMaxObjectsAwaitingLive || Arrived(listed))) {
          take_live();
        }
        if (!builder) return;
        builder->Add(std::move(waiting));
      },
      options.threads);
  if (!loaded.ok()) return loaded.status();
  out->source = std::move(*loaded);
  if (!out->source.errors.empty()) return std::move(*out);
  if (!builder && out->live_status.ok()) take_live();
  if (!builder) return std::move(*out);
  builder->Add(std::move(waiting));
  out->plan = builder->Finish();
  builder.reset();
  return std::move(*out);
}

}  // namespace cara::gitops
