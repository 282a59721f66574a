// What a backend's change listener says about its own session, in the same
// stream as the notifications it delivers (Backend::StartListening). Neither
// marker is a valid event payload (they have no '|'), so a consumer that does
// not know them ignores them.
#pragma once

namespace cara::store {

// The session dropped: notifications are being missed from now on.
inline constexpr char kListenerSessionLost[] = "cara:listener-session-lost";
// A new session listens again: what was written in between was never
// announced (NOTIFY is not queued for absent listeners).
inline constexpr char kListenerSessionRestored[] = "cara:listener-session-restored";

}  // namespace cara::store
