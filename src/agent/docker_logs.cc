// DockerClient: container log streams, raw for TTY containers and
// demultiplexed otherwise.
#include <ctime>

#include "agent/docker_client.h"
#include "agent/docker_streams.h"
#include "agent/docker_transport.h"
#include "agent/docker_wire.h"

namespace cara::agent {
namespace {

// A follow-mode log stream of a quiet container legitimately sends nothing for
// hours; StreamCancel, not the timeout, is how such a stream is ended early.
constexpr time_t kFollowReadTimeoutSec = 7 * 24 * 3600;

}  // namespace

Status DockerClient::StreamLogs(
    const std::string& name_or_id, const LogOptions& options,
    const std::function<bool(const char* data, size_t size)>& on_chunk) {
  return Guarded("stream logs", [&]() -> Status {
    // API 1.41 does not say in the response whether the stream is
    // multiplexed (1.42 added a Content-Type for that), so ask first.
    Result<ContainerInfo> info = InspectContainer(name_or_id);
    if (!info.ok()) return info.status();

    std::string path = "/containers/" + PathEncode(info->id) + "/logs?stdout=1&stderr=1" +
                       "&follow=" + (options.follow ? "1" : "0") +
                       "&timestamps=" + (options.timestamps ? "1" : "0") +
                       "&tail=" + QueryEncode(options.tail.empty() ? "all" : options.tail);
    time_t timeout = options.follow ? kFollowReadTimeoutSec : kCallReadTimeoutSec;
    StreamCancel* cancel = options.cancel.get();
    if (info->tty) return transport_->Stream("GET", path, timeout, on_chunk, cancel);

    Demuxer demux(on_chunk);
    Status st = transport_->Stream(
        "GET", path, timeout, [&](const char* data, size_t n) { return demux.Feed(data, n); },
        cancel);
    CARA_RETURN_IF_ERROR(st);
    if (demux.malformed()) {
      return Status::Internal("log stream of " + name_or_id +
                              " is not in Docker's multiplexed format");
    }
    return Status::Ok();
  });
}

}  // namespace cara::agent
