#include "server/agent_log_stream.h"

#include <httplib.h>

#include <chrono>
#include <utility>

namespace cara::server {
namespace {

constexpr auto kPieceWait = std::chrono::seconds(1);
// How long an agent may stay silent: a followed log of a quiet container
// says nothing for a long time; a finished one must arrive promptly.
constexpr time_t kReadTimeoutSeconds = 365L * 24 * 3600;
constexpr time_t kConnectTimeoutSeconds = 10;

}  // namespace

AgentLogStream::AgentLogStream(std::unique_ptr<httplib::Client> client)
    : client_(std::move(client)) {}

std::shared_ptr<AgentLogStream> AgentLogStream::Open(std::unique_ptr<httplib::Client> client,
                                                     std::string path) {
  std::shared_ptr<AgentLogStream> stream(new AgentLogStream(std::move(client)));
  stream->client_->set_tcp_nodelay(true);
  stream->client_->set_connection_timeout(kConnectTimeoutSeconds, 0);
  stream->client_->set_read_timeout(kReadTimeoutSeconds, 0);
  stream->reader_ = std::thread([raw = stream.get(), path] { raw->Run(path); });
  std::unique_lock<std::mutex> lock(stream->mu_);
  stream->cv_.wait(lock, [&] { return stream->answered_; });
  return stream;
}

AgentLogStream::~AgentLogStream() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  client_->stop();  // ends a read blocked on a quiet agent
  if (reader_.joinable()) reader_.join();
}

void AgentLogStream::Run(const std::string& path) {
  auto on_response = [this](const httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = res.status;
    content_type_ = res.get_header_value("Content-Type");
    answered_ = true;
    cv_.notify_all();
    return true;
  };
  auto on_data = [this](const char* data, size_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return false;
    pending_.append(data, size);
    cv_.notify_all();
    return true;
  };
  httplib::Result result = client_->Get(path.c_str(), on_response, on_data);
  std::lock_guard<std::mutex> lock(mu_);
  if (!result) {
    failed_ = true;
    error_ = httplib::to_string(result.error());
  }
  answered_ = true;
  finished_ = true;
  cv_.notify_all();
}

std::string AgentLogStream::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

std::string AgentLogStream::ReadAll() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return finished_; });
  return std::exchange(pending_, {});
}

net::StreamStep AgentLogStream::Next(std::string* piece) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, kPieceWait, [&] { return !pending_.empty() || finished_; });
  piece->append(pending_);
  pending_.clear();
  if (!finished_) return net::StreamStep::kMore;
  return failed_ ? net::StreamStep::kFailed : net::StreamStep::kDone;
}

}  // namespace cara::server
