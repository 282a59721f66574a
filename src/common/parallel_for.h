// Running independent pieces of work on every core: diff and sync of large
// sources parse, validate and plan each manifest on its own, and 2 cores do
// it in about half the time of one. Work items are claimed in small blocks
// from a shared counter (manifests differ in size), and each item writes
// only its own slot of a pre-sized result, so the outcome, and the order
// callers read it in, never depends on the number of threads.
#pragma once

#include <cstddef>
#include <functional>

namespace cara {

// The threads ParallelFor uses by default: the machine's hardware threads
// (at least 1).
size_t DefaultWorkerThreads();

// Calls fn(i) once for every i in [0, count), on up to `threads` threads (the
// calling thread is one of them; 0 means DefaultWorkerThreads()). Returns
// once every call has returned. fn must not throw, and calls for different i
// may run at the same time.
void ParallelFor(size_t count, size_t threads, const std::function<void(size_t)>& fn);

}  // namespace cara
