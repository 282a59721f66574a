#include "support/watch_reader.h"

#include "support/http_client.h"

namespace cara::testing {

WatchReader::WatchReader(const std::string& base_url, const std::string& path)
    : WatchReader(base_url, path, DefaultCredentials(base_url)) {}

WatchReader::WatchReader(const std::string& base_url, const std::string& path,
                         const net::ClientCredentials& credentials)
    : client_(net::NewHttpClient(base_url, credentials)) {
  client_->set_connection_timeout(10);
  client_->set_read_timeout(120);
  thread_ = std::thread([this, path] { Read(path); });
}

WatchReader::~WatchReader() {
  client_->stop();
  if (thread_.joinable()) thread_.join();
}

void WatchReader::Read(const std::string& path) {
  httplib::Headers headers;
  auto result = client_->Get(
      path, headers,
      [this](const httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mu_);
        status_ = res.status;
        content_type_ = res.get_header_value("Content-Type");
        cv_.notify_all();
        return true;
      },
      [this](const char* data, size_t size) {
        std::lock_guard<std::mutex> lock(mu_);
        if (status_ != 200) {
          error_body_.append(data, size);
          return true;
        }
        partial_.append(data, size);
        size_t newline;
        while ((newline = partial_.find('\n')) != std::string::npos) {
          std::string line = partial_.substr(0, newline);
          partial_.erase(0, newline + 1);
          if (line.empty()) {
            ++blank_lines_;
            continue;
          }
          events_.push_back(nlohmann::json::parse(line, nullptr, false));
        }
        cv_.notify_all();
        return true;
      });
  std::lock_guard<std::mutex> lock(mu_);
  if (result && status_ == 0) status_ = result->status;
  ended_ = true;
  cv_.notify_all();
}

std::optional<nlohmann::json> WatchReader::Next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return !events_.empty() || ended_; });
  if (events_.empty()) return std::nullopt;
  nlohmann::json event = std::move(events_.front());
  events_.pop_front();
  return event;
}

std::vector<std::string> WatchReader::NextSummaries(size_t n, std::chrono::milliseconds timeout) {
  std::vector<std::string> out;
  while (out.size() < n) {
    auto event = Next(timeout);
    if (!event) break;
    out.push_back(WatchSummary(*event));
  }
  return out;
}

bool WatchReader::Ended(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return ended_; });
}

int WatchReader::status() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(10), [this] { return status_ != 0 || ended_; });
  return status_;
}

size_t WatchReader::blank_lines() {
  std::lock_guard<std::mutex> lock(mu_);
  return blank_lines_;
}

std::string WatchReader::content_type() {
  std::lock_guard<std::mutex> lock(mu_);
  return content_type_;
}

std::string WatchReader::error_body() {
  Ended();
  std::lock_guard<std::mutex> lock(mu_);
  return error_body_;
}

std::string WatchSummary(const nlohmann::json& event) {
  if (!event.is_object()) return "<not JSON>";
  return event.value("type", "?") + " " +
         event.value("object", nlohmann::json::object())
             .value("metadata", nlohmann::json::object())
             .value("name", "?");
}

}  // namespace cara::testing
