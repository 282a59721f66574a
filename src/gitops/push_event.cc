#include "gitops/push_event.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace cara::gitops {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string StringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// GitHub and Gitea describe the repository under "repository", GitLab under
// "project" (and, older, "repository"): every URL-like key of each.
void CollectRepository(const json& object, PushEvent& push) {
  if (!object.is_object()) return;
  for (const char* key : {"clone_url", "ssh_url", "git_url", "html_url", "url", "svn_url",
                          "git_http_url", "git_ssh_url", "http_url", "web_url", "homepage"}) {
    if (std::string url = StringAt(object, key); !url.empty()) push.repo_urls.push_back(url);
  }
  for (const char* key : {"full_name", "path_with_namespace"}) {
    if (std::string path = StringAt(object, key); !path.empty()) push.repo_paths.push_back(path);
  }
  if (push.default_branch.empty()) push.default_branch = StringAt(object, "default_branch");
}

std::string TrimRepoPath(std::string path) {
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0)
    path.resize(path.size() - 4);
  while (!path.empty() && path.front() == '/') path.erase(path.begin());
  return Lower(path);
}

std::string LocalKey(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::weakly_canonical(fs::absolute(path, ec), ec);
  std::string key = absolute.lexically_normal().string();
  while (key.size() > 1 && key.back() == '/') key.pop_back();
  return "file:" + key;
}

// The path part of a remote key ("host/owner/name" -> "owner/name").
std::string PathOfRemoteKey(const std::string& key) {
  size_t slash = key.find('/');
  return key.rfind("file:", 0) == 0 || slash == std::string::npos ? "" : key.substr(slash + 1);
}

bool RefMatches(const std::string& pushed, const std::string& watched,
                const std::string& default_branch) {
  if (watched.empty() || watched == "HEAD") {
    // Without the default branch in the payload, any push may have moved
    // HEAD: one extra round that finds nothing to do costs little.
    return default_branch.empty() || pushed == "refs/heads/" + default_branch;
  }
  if (watched.rfind("refs/", 0) == 0) return pushed == watched;
  return pushed == "refs/heads/" + watched || pushed == "refs/tags/" + watched;
}

}  // namespace

Result<PushEvent> ParsePushEvent(std::string_view body) {
  json payload = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded() || !payload.is_object()) {
    return Status::Invalid("push payload is not a JSON object");
  }
  PushEvent push;
  push.ref = StringAt(payload, "ref");
  if (push.ref.empty()) return Status::Invalid("push payload has no \"ref\"");
  push.after = StringAt(payload, "after");
  for (const char* key : {"repository", "project"}) {
    if (auto it = payload.find(key); it != payload.end()) CollectRepository(*it, push);
  }
  return push;
}

std::string RepoKey(std::string_view location) {
  std::string s(location);
  size_t scheme = s.find("://");
  if (scheme != std::string::npos) {
    std::string name = Lower(s.substr(0, scheme));
    std::string rest = s.substr(scheme + 3);
    if (name == "file") return LocalKey(rest);
    size_t slash = rest.find('/');
    std::string host = rest.substr(0, slash);
    if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
    if (size_t colon = host.rfind(':'); colon != std::string::npos && host.back() != ']') {
      host.resize(colon);
    }
    return Lower(host) + "/" + TrimRepoPath(slash == std::string::npos ? "" : rest.substr(slash));
  }
  // scp-style "user@host:owner/name.git": a colon before any slash, after an '@'.
  size_t colon = s.find(':'), slash = s.find('/'), at = s.find('@');
  if (colon != std::string::npos && at != std::string::npos && at < colon &&
      (slash == std::string::npos || colon < slash)) {
    return Lower(s.substr(at + 1, colon - at - 1)) + "/" + TrimRepoPath(s.substr(colon + 1));
  }
  return LocalKey(s);
}

std::string PushMismatch(const PushEvent& push, const SourceSpec& source) {
  const std::string watched = RepoKey(source.repo);
  const std::string watched_path = PathOfRemoteKey(watched);
  bool same_repo = std::any_of(push.repo_urls.begin(), push.repo_urls.end(),
                               [&](const std::string& url) { return RepoKey(url) == watched; });
  // "owner/name" alone: the same repository behind another host name (a
  // mirror, a proxy), as long as the whole path is the same.
  same_repo = same_repo ||
              (!watched_path.empty() && std::any_of(push.repo_paths.begin(), push.repo_paths.end(),
                                                    [&](const std::string& path) {
                                                      return TrimRepoPath(path) == watched_path;
                                                    }));
  if (!same_repo) return "push is for another repository";
  if (!RefMatches(push.ref, source.ref, push.default_branch)) {
    return "push to " + push.ref + ", not the watched ref " +
           (source.ref.empty() ? "HEAD (" + push.default_branch + ")" : source.ref);
  }
  return "";
}

}  // namespace cara::gitops
