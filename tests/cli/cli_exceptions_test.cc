// No exception may escape caractrl: whatever the input or the server sends,
// a failure is an "Error: ..." line and an exit code, never an abort. The real
// binary against a stand-in server whose successful answers are not JSON.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <fstream>
#include <thread>

#include "support/caractrl.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

// Lists are empty JSON lists; every write "succeeds" with a body that is
// not JSON at all.
class NotJsonServer {
 public:
  NotJsonServer() : port_(FreeLoopbackPort()) {
    server_.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"kind":"List","items":[]})", "application/json");
    });
    auto written = [](const httplib::Request&, httplib::Response& res) {
      res.status = 201;
      res.set_content("created!", "text/plain");
    };
    server_.Post(".*", written);
    server_.Put(".*", written);
    REQUIRE(server_.bind_to_port("127.0.0.1", port_));  // connections queue from here on
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~NotJsonServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  httplib::Server server_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a server whose answers are not JSON never makes caractrl abort", "[cli]") {
  NotJsonServer server;
  TempDir dir;
  std::ofstream(dir.path() + "/web.yaml")
      << "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: web\nspec:\n"
         "  services:\n    - name: web\n      image: nginx:1.27\n";
  for (const char* output : {"yaml", "json", "table"}) {
    auto r = RunProcess({BuiltBinary("caractrl"), "--server", server.url(), "apply", "-f",
                         dir.path(), "-o", output},
                        CaractrlEnv(server.url()));
    INFO(output << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("terminate called") == std::string::npos);
  }
}

}  // namespace cara::testing
