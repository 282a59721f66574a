// The life of a server that starts once and stops any number of times, from
// any thread: Start after Stop, or a second Start, is refused; only the
// first Stop of a started server has work to do.
#pragma once

#include <mutex>
#include <string>

#include "common/status.h"

namespace cara::net {

class RunState {
 public:
  // Ok while the server may start; an error naming `who` once it started or
  // stopped.
  Status CheckCanStart(const std::string& who) const;
  // After a successful start.
  void MarkStarted();
  // True for the first call on a started server: the caller then stops it.
  bool BeginStop();

 private:
  mutable std::mutex mu_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace cara::net
