#include "bench/loader.h"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/server_process.h"

namespace cara::bench {

void PostAll(const std::string& url, const std::string& path, int count,
             const std::function<std::string(int)>& body, int clients,
             const std::string& authorization) {
  std::atomic<int> next{0};
  std::mutex mu;
  std::string failure;
  auto work = [&] {
    auto client = BenchClient(url);
    client->set_tcp_nodelay(true);
    client->set_keep_alive(true);
    client->set_read_timeout(60, 0);
    if (!authorization.empty()) client->set_default_headers({{"Authorization", authorization}});
    for (int i; (i = next++) < count;) {
      auto res = client->Post(path.c_str(), body(i), "application/json");
      if (res && res->status == 201) continue;
      std::lock_guard<std::mutex> lock(mu);
      failure =
          "POST " + path + " #" + std::to_string(i) + ": " +
          (res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error()));
      next = count;  // stop everybody
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  if (!failure.empty()) throw std::runtime_error(failure);
}

}  // namespace cara::bench
