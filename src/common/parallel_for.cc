#include "common/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace cara {
namespace {

// Items claimed at once: few enough that the threads finish together, many
// enough that the shared counter is not contended.
constexpr size_t kBlock = 16;

}  // namespace

size_t DefaultWorkerThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

void ParallelFor(size_t count, size_t threads, const std::function<void(size_t)>& fn) {
  if (threads == 0) threads = DefaultWorkerThreads();
  threads = std::min(threads, (count + kBlock - 1) / kBlock);
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t from = next.fetch_add(kBlock); from < count; from = next.fetch_add(kBlock)) {
      for (size_t i = from; i < std::min(count, from + kBlock); ++i) fn(i);
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
}

}  // namespace cara
