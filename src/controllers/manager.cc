#include "controllers/manager.h"

#include <map>

#include "common/log.h"
#include "common/time_format.h"
#include "controllers/work_queue.h"

namespace cara::controllers {

// Everything that runs one controller.
struct Manager::Runner : public Enqueuer {
  Runner(std::unique_ptr<Controller> c, Clock* clock, const ManagerOptions& o)
      : controller(std::move(c)),
        clock(clock),
        options(o),
        queue(std::make_unique<WorkQueue>(clock)) {
    queue->ShutDown();  // accepts work only while started
  }

  void Add(const std::string& key) override { queue->Add(key); }

  void ResyncSoon() override {
    std::lock_guard<std::mutex> lock(mu);
    resync_requested = true;
    cv.notify_all();
  }

  void Start() {
    queue->Reopen();
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = false;
      resync_requested = true;  // an initial pass over everything
    }
    threads.emplace_back([this] { ResyncLoop(); });
    for (int i = 0; i < options.workers_per_controller; ++i) {
      threads.emplace_back([this] { WorkerLoop(); });
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
      cv.notify_all();
    }
    queue->ShutDown();
    for (auto& t : threads) t.join();
    threads.clear();
  }

  void ResyncLoop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      if (!resync_requested) {
        clock->WaitFor(lock, cv, options.resync_interval,
                       [this] { return stopping || resync_requested; });
        if (stopping) break;
      }
      resync_requested = false;
      lock.unlock();
      auto keys = controller->ResyncKeys();
      if (!keys.ok()) {
        LOG_WARN("controller resync failed")
            .Kv("controller", controller->Name())
            .Kv("error", keys.status().ToString());
      } else {
        for (const auto& k : *keys) queue->Add(k);
      }
      lock.lock();
    }
  }

  void WorkerLoop() {
    const size_t batch = controller->MaxBatch();
    while (true) {
      std::vector<std::string> keys = queue->GetBatch(batch);
      if (keys.empty()) return;  // shut down
      std::vector<Result<ReconcileResult>> results;
      if (keys.size() == 1) {
        results.push_back(controller->Reconcile(keys.front()));
      } else {
        results = controller->ReconcileBatch(keys);
      }
      results.resize(keys.size(), Status::Internal("the controller returned no result"));
      for (size_t i = 0; i < keys.size(); ++i) {
        Process(keys[i], results[i]);
        queue->Done(keys[i]);
      }
    }
  }

  void Process(const std::string& key, const Result<ReconcileResult>& result) {
    reconciles++;
    if (!result.ok()) {
      errors++;
      Duration delay = NextBackoff(key);
      LOG_WARN("reconcile failed")
          .Kv("controller", controller->Name())
          .Kv("key", key)
          .Kv("error", result.status().ToString())
          .Kv("retry_in", FormatDuration(delay));
      queue->AddAfter(key, delay);
      return;
    }
    ForgetBackoff(key);
    if (result->requeue_after) {
      queue->AddAfter(key, *result->requeue_after);
    } else if (result->requeue) {
      queue->AddAfter(key, options.requeue_delay);
    }
  }

  Duration NextBackoff(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    int failures = ++failures_by_key[key];
    Duration d = options.error_backoff;
    for (int i = 1; i < failures && d < options.max_error_backoff; ++i) d *= 2;
    return std::min(d, options.max_error_backoff);
  }

  void ForgetBackoff(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    failures_by_key.erase(key);
  }

  std::unique_ptr<Controller> controller;
  Clock* clock;
  ManagerOptions options;
  std::unique_ptr<WorkQueue> queue;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool resync_requested = false;
  std::map<std::string, int> failures_by_key;
  std::atomic<uint64_t> reconciles{0};
  std::atomic<uint64_t> errors{0};
};

Manager::Manager(store::Store* store, Clock* clock, ManagerOptions options)
    : store_(store), clock_(clock), options_(options) {
  subscription_ = store_->Subscribe([this](const store::Event& e) { Dispatch(e); },
                                    {api::kKindNode, api::kKindProject, api::kKindSecret});
}

Manager::~Manager() {
  store_->Unsubscribe(subscription_);
  Stop();
}

void Manager::Add(std::unique_ptr<Controller> controller) {
  runners_.push_back(std::make_unique<Runner>(std::move(controller), clock_, options_));
}

void Manager::Start() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (running_) return;
  for (auto& r : runners_) r->Start();
  running_ = true;
  LOG_INFO("controllers started").Kv("count", runners_.size());
}

void Manager::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (!running_) return;
  running_ = false;
  for (auto& r : runners_) r->Stop();
  LOG_INFO("controllers stopped");
}

size_t Manager::thread_count() const {
  if (!running_) return 0;
  return runners_.size() * (1 + static_cast<size_t>(options_.workers_per_controller));
}

void Manager::Dispatch(const store::Event& event) {
  if (!running_) return;
  for (auto& r : runners_) r->controller->OnEvent(event, *r);
}

void Manager::RenderMetrics(std::string& out) const {
  out += "# HELP cara_controller_queue_depth Keys waiting in each controller's queue.\n";
  out += "# TYPE cara_controller_queue_depth gauge\n";
  for (const auto& r : runners_) {
    size_t depth = r->queue->Len() + r->queue->Delayed();
    out += std::string("cara_controller_queue_depth{controller=\"") + r->controller->Name() +
           "\"} " + std::to_string(depth) + "\n";
  }
  out += "# HELP cara_controller_reconciles_total Reconciles run, by controller.\n";
  out += "# TYPE cara_controller_reconciles_total counter\n";
  for (const auto& r : runners_) {
    out += std::string("cara_controller_reconciles_total{controller=\"") + r->controller->Name() +
           "\"} " + std::to_string(r->reconciles.load()) + "\n";
  }
  out += "# HELP cara_controller_reconcile_errors_total Failed reconciles, by controller.\n";
  out += "# TYPE cara_controller_reconcile_errors_total counter\n";
  for (const auto& r : runners_) {
    out += std::string("cara_controller_reconcile_errors_total{controller=\"") +
           r->controller->Name() + "\"} " + std::to_string(r->errors.load()) + "\n";
  }
}

}  // namespace cara::controllers
