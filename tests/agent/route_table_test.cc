#include "agent/route_table.h"

#include <thread>

#include <catch2/catch.hpp>

namespace cara::agent {
namespace {

IngressRoute R(const std::string& host, const std::string& ip, int port) {
  return IngressRoute{host, Backend{ip, port}};
}

std::string BackendOf(const RouteTable& t, const std::string& host) {
  auto b = t.Lookup(host);
  return b ? b->ip + ":" + std::to_string(b->port) : "none";
}

TEST_CASE("ResolveIngressHost: dotted hosts verbatim, short names under the project", "[routes]") {
  CHECK(ResolveIngressHost("app.example.com", "shop") == "app.example.com");
  CHECK(ResolveIngressHost("web", "shop") == "web.shop.local");
  CHECK(ResolveIngressHost("", "shop") == ".shop.local");
}

TEST_CASE("RouteTable: lookup ignores case and the port, IPv6 included", "[routes]") {
  RouteTable t;
  t.Update("shop", {R("Web.Shop.Local", "10.0.0.2", 80), R("::1", "10.0.0.9", 81)});
  CHECK(BackendOf(t, "web.shop.local") == "10.0.0.2:80");
  CHECK(BackendOf(t, "WEB.SHOP.LOCAL:8081") == "10.0.0.2:80");
  CHECK(BackendOf(t, "web.shop.local:") == "10.0.0.2:80");
  CHECK(BackendOf(t, "other.local") == "none");
  CHECK(BackendOf(t, "") == "none");
  // Bracketed IPv6 with and without a port; a bare IPv6 literal has no port.
  CHECK(BackendOf(t, "[::1]:8081") == "10.0.0.9:81");
  CHECK(BackendOf(t, "[::1]") == "10.0.0.9:81");
  CHECK(BackendOf(t, "::1") == "10.0.0.9:81");
}

TEST_CASE("RouteTable: Update replaces all of the project's routes", "[routes]") {
  RouteTable t;
  t.Update("shop", {R("a.shop.local", "10.0.0.2", 80), R("b.shop.local", "10.0.0.3", 80)});
  t.Update("shop", {R("b.shop.local", "10.0.0.4", 8080)});
  CHECK(BackendOf(t, "a.shop.local") == "none");
  CHECK(BackendOf(t, "b.shop.local") == "10.0.0.4:8080");
  CHECK(t.Projects() == std::set<std::string>{"shop"});
  t.Update("shop", {});
  CHECK(BackendOf(t, "b.shop.local") == "none");
  CHECK(t.Projects().empty());
}

TEST_CASE("RouteTable: Remove deletes the project's hosts and an unknown project is a no-op",
          "[routes]") {
  RouteTable t;
  t.Update("shop", {R("a.shop.local", "10.0.0.2", 80)});
  t.Update("blog", {R("blog.example.com", "10.0.1.2", 80)});
  t.Remove("nobody");
  t.Remove("shop");
  CHECK(BackendOf(t, "a.shop.local") == "none");
  CHECK(BackendOf(t, "blog.example.com") == "10.0.1.2:80");
  CHECK(t.Projects() == std::set<std::string>{"blog"});
}

TEST_CASE("RouteTable: last writer wins and the loser cannot delete the winner's host", "[routes]") {
  RouteTable t;
  t.Update("old", {R("shared.example.com", "10.0.0.2", 80), R("old.example.com", "10.0.0.2", 81)});
  t.Update("new", {R("Shared.Example.com", "10.0.0.7", 80)});
  CHECK(BackendOf(t, "shared.example.com") == "10.0.0.7:80");

  // The reference deleted the shared host here; it now belongs to "new".
  t.Remove("old");
  CHECK(BackendOf(t, "shared.example.com") == "10.0.0.7:80");
  CHECK(BackendOf(t, "old.example.com") == "none");
  CHECK(t.Projects() == std::set<std::string>{"new"});

  // Same for Update, which first drops the project's own routes.
  t.Update("old", {R("x.example.com", "10.0.0.2", 80)});
  CHECK(BackendOf(t, "shared.example.com") == "10.0.0.7:80");

  t.Remove("new");
  CHECK(BackendOf(t, "shared.example.com") == "none");
}

TEST_CASE("RouteTable: a host taken over entirely drops the old project from Projects()",
          "[routes]") {
  RouteTable t;
  t.Update("a", {R("h.example.com", "10.0.0.2", 80)});
  t.Update("b", {R("h.example.com", "10.0.0.3", 80)});
  CHECK(t.Projects() == std::set<std::string>{"b"});
}

TEST_CASE("RouteTable: concurrent updates and lookups", "[routes]") {
  RouteTable t;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&t, i] {
      std::string project = "p" + std::to_string(i);
      for (int n = 0; n < 2000; ++n) {
        t.Update(project, {R("h" + std::to_string(i) + ".local", "10.0.0.1", n)});
        (void)t.Lookup("h" + std::to_string((i + 1) % 4) + ".local:80");
        if (n % 10 == 0) t.Remove(project);
      }
      t.Update(project, {R("h" + std::to_string(i) + ".local", "10.0.0.1", 1)});
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 4; ++i)
    CHECK(BackendOf(t, "h" + std::to_string(i) + ".local") == "10.0.0.1:1");
  CHECK(t.Projects().size() == 4);
}

}  // namespace
}  // namespace cara::agent
