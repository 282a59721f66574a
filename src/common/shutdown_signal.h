// Graceful shutdown for the daemons: SIGINT/SIGTERM are blocked in every
// thread (call BlockShutdownSignals() before starting any) and main() waits
// for one synchronously, so no handler runs in an arbitrary thread.
#pragma once

namespace cara {

// Also ignores SIGPIPE (writes to closed sockets return EPIPE instead).
void BlockShutdownSignals();

// Blocks SIGINT and SIGTERM in the calling thread only: for a worker thread
// of a command whose own thread handles them (caractrl sync stops between
// writes on them), so they never interrupt the worker's reads and writes.
void BlockShutdownSignalsInThisThread();

// Returns the signal that arrived (SIGINT or SIGTERM).
int WaitForShutdownSignal();

const char* SignalName(int sig);

}  // namespace cara
