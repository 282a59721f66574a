// Push payloads of GitHub, Gitea and GitLab, and which watched sources they
// concern.
#include <catch2/catch.hpp>

#include <filesystem>

#include "gitops/push_event.h"

namespace cara::gitops {
namespace {

// Abridged from the hosts' documented push payloads.
constexpr char kGitHubPush[] = R"({
  "ref": "refs/heads/main", "before": "0000", "after": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
  "repository": {"full_name": "ops/cluster", "default_branch": "main",
    "html_url": "https://github.com/ops/cluster", "clone_url": "https://github.com/ops/cluster.git",
    "ssh_url": "git@github.com:ops/cluster.git", "git_url": "git://github.com/ops/cluster.git"}})";
constexpr char kGitLabPush[] = R"({
  "object_kind": "push", "ref": "refs/heads/prod", "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "project": {"path_with_namespace": "infra/k/cluster", "default_branch": "main",
    "git_http_url": "https://gitlab.example.com/infra/k/cluster.git",
    "git_ssh_url": "ssh://git@gitlab.example.com:2222/infra/k/cluster.git",
    "web_url": "https://gitlab.example.com/infra/k/cluster"}})";

SourceSpec Watching(std::string repo, std::string ref = "") {
  SourceSpec s;
  s.repo = std::move(repo);
  s.ref = std::move(ref);
  return s;
}

TEST_CASE("ParsePushEvent reads GitHub/Gitea and GitLab payloads alike", "[push-event]") {
  auto github = ParsePushEvent(kGitHubPush);
  REQUIRE(github.ok());
  CHECK(github->ref == "refs/heads/main");
  CHECK(github->after == "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  CHECK(github->default_branch == "main");
  CHECK(github->repo_urls.size() == 4);
  CHECK(github->repo_paths == std::vector<std::string>{"ops/cluster"});

  auto gitlab = ParsePushEvent(kGitLabPush);
  REQUIRE(gitlab.ok());
  CHECK(gitlab->ref == "refs/heads/prod");
  CHECK(gitlab->repo_paths == std::vector<std::string>{"infra/k/cluster"});

  CHECK_FALSE(ParsePushEvent("not json").ok());
  CHECK_FALSE(ParsePushEvent("[1]").ok());
  CHECK(ParsePushEvent(R"({"zen": "Design for failure."})").status().message() ==
        "push payload has no \"ref\"");
}

TEST_CASE("RepoKey makes the spellings of one repository equal", "[push-event]") {
  const std::string key = "github.com/ops/cluster";
  CHECK(RepoKey("https://github.com/ops/cluster.git") == key);
  CHECK(RepoKey("https://token:x@GitHub.com:443/Ops/Cluster/") == key);
  CHECK(RepoKey("ssh://git@github.com:22/ops/cluster.git") == key);
  CHECK(RepoKey("git@github.com:ops/cluster.git") == key);
  CHECK(RepoKey("git://github.com/ops/cluster") == key);
  CHECK(RepoKey("https://github.com/ops/other.git") != key);
  CHECK(RepoKey("https://gitlab.com/ops/cluster.git") != key);

  namespace fs = std::filesystem;
  const std::string cwd = fs::current_path().string();
  CHECK(RepoKey("file://" + cwd + "/x/../repo.git/") == "file:" + cwd + "/repo.git");
  CHECK(RepoKey("repo.git") == "file:" + cwd + "/repo.git");
  CHECK(RepoKey(cwd + "/repo.git") == "file:" + cwd + "/repo.git");
}

TEST_CASE("PushMismatch: the watched repository and ref, nothing else", "[push-event]") {
  const PushEvent github = *ParsePushEvent(kGitHubPush);
  CHECK(PushMismatch(github, Watching("https://github.com/ops/cluster.git", "main")) == "");
  CHECK(PushMismatch(github, Watching("git@github.com:ops/cluster.git", "refs/heads/main")) == "");
  CHECK(PushMismatch(github, Watching("https://github.com/ops/cluster")) == "");  // HEAD = main
  // The same path behind another host (a mirror) is the same repository.
  CHECK(PushMismatch(github, Watching("https://mirror.internal/ops/cluster.git", "main")) == "");

  CHECK(PushMismatch(github, Watching("https://github.com/ops/cluster.git", "prod")) ==
        "push to refs/heads/main, not the watched ref prod");
  CHECK(PushMismatch(github, Watching("https://github.com/ops/cluster.git", "4b825dc6")) != "");
  CHECK(PushMismatch(github, Watching("https://github.com/ops/other.git", "main")) ==
        "push is for another repository");
  CHECK(PushMismatch(github, Watching("https://mirror.internal/cluster.git", "main")) != "");

  const PushEvent gitlab = *ParsePushEvent(kGitLabPush);
  CHECK(PushMismatch(gitlab, Watching("https://gitlab.example.com/infra/k/cluster", "prod")) == "");
  CHECK(PushMismatch(gitlab, Watching("https://gitlab.example.com/infra/k/cluster")) ==
        "push to refs/heads/prod, not the watched ref HEAD (main)");

  PushEvent tag = github;
  tag.ref = "refs/tags/v2";
  CHECK(PushMismatch(tag, Watching("https://github.com/ops/cluster.git", "v2")) == "");
  CHECK(PushMismatch(tag, Watching("https://github.com/ops/cluster.git", "refs/heads/v2")) != "");

  // Without a default branch in the payload, any push may have moved HEAD.
  PushEvent bare = github;
  bare.default_branch.clear();
  bare.ref = "refs/heads/anything";
  CHECK(PushMismatch(bare, Watching("https://github.com/ops/cluster.git")) == "");
}

TEST_CASE("PushMismatch: a local repository by path or file:// URL", "[push-event]") {
  PushEvent push;
  push.ref = "refs/heads/main";
  push.repo_urls = {"file:///srv/git/cluster.git"};
  CHECK(PushMismatch(push, Watching("/srv/git/cluster.git/", "main")) == "");
  CHECK(PushMismatch(push, Watching("file:///srv/git/cluster.git", "main")) == "");
  CHECK(PushMismatch(push, Watching("/srv/git/other.git", "main")) != "");
  push.repo_urls = {"/srv/git/cluster.git"};
  CHECK(PushMismatch(push, Watching("file:///srv/git/./cluster.git", "main")) == "");
}

}  // namespace
}  // namespace cara::gitops
