#include "gitops/git_source.h"

#include <git2.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>

#include "gitops/libgit2_init.h"

namespace cara::gitops {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using RefPtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;

std::string LastGitError() {
  const git_error* e = git_error_last();
  return (e != nullptr && e->message != nullptr) ? e->message : "unknown libgit2 error";
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string RepoPrefix(const std::string& repo) { return "repository " + Quote(RedactUrl(repo)); }

std::string OidHex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof(buf), oid);
  return buf;
}

bool HasManifestExtension(const std::string& name) {
  auto ends_with = [&](const char* suffix) {
    std::string s(suffix);
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with(".yaml") || ends_with(".yml") || ends_with(".json");
}

// "./a/b/" -> "a/b"; rejects ".." components.
Result<std::string> NormalizeSubpath(const std::string& in) {
  std::string out;
  size_t i = 0;
  while (i <= in.size()) {
    size_t j = in.find('/', i);
    if (j == std::string::npos) j = in.size();
    std::string part = in.substr(i, j - i);
    if (part == "..") return Status::Invalid("path " + Quote(in) + " must not contain \"..\"");
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    i = j + 1;
  }
  return out;
}

// A stable name for a URL's cache directory: a readable slug plus a 64-bit FNV-1a hash.
std::string CacheName(const std::string& url) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : url) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::string slug;
  for (char c : url) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
    slug += keep ? c : '_';
  }
  if (slug.size() > 60) slug = slug.substr(slug.size() - 60);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return slug + "-" + hex + ".git";
}

// Credentials: https takes a token from CARA_GIT_TOKEN as the password; ssh
// takes the key file given (its public half beside it as <key>.pub if
// present, the passphrase from CARA_GIT_SSH_PASSPHRASE), else a key from
// ssh-agent. One attempt each, so a rejected credential ends the fetch with an
// error instead of looping.
struct CredentialState {
  int attempts = 0;
  std::string ssh_key;
};

int SshKeyCredential(git_credential** out, const char* user, const std::string& key) {
  if (key.empty()) return git_credential_ssh_key_from_agent(out, user);
  std::string pub = key + ".pub";
  std::error_code ec;
  bool has_pub = std::filesystem::exists(pub, ec);
  const char* passphrase = std::getenv("CARA_GIT_SSH_PASSPHRASE");
  return git_credential_ssh_key_new(out, user, has_pub ? pub.c_str() : nullptr, key.c_str(),
                                    passphrase != nullptr ? passphrase : "");
}

int AcquireCredential(git_credential** out, const char* /*url*/, const char* username_from_url,
                      unsigned int allowed_types, void* payload) {
  auto* state = static_cast<CredentialState*>(payload);
  if (++state->attempts > 3) return GIT_EUSER;
  const char* user =
      (username_from_url != nullptr && *username_from_url != '\0') ? username_from_url : nullptr;
  if ((allowed_types & GIT_CREDENTIAL_USERNAME) != 0) {
    return git_credential_username_new(out, user != nullptr ? user : "git");
  }
  if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) != 0 && state->attempts == 1) {
    return SshKeyCredential(out, user != nullptr ? user : "git", state->ssh_key);
  }
  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && state->attempts == 1) {
    const char* token = std::getenv("CARA_GIT_TOKEN");
    if (token != nullptr && *token != '\0') {
      return git_credential_userpass_plaintext_new(out, user != nullptr ? user : "x-access-token",
                                                   token);
    }
  }
  return GIT_PASSTHROUGH;  // no credential: libgit2 reports the authentication failure
}

// Opens the bare cache repository for `url`, creating it (atomically, by
// rename) on first use.
Result<RepoPtr> OpenOrCreateCache(const std::string& url, const std::string& cache_root) {
  std::error_code ec;
  fs::create_directories(cache_root, ec);
  if (ec) {
    return Status::Unavailable(RepoPrefix(url) + ": cannot create cache directory " +
                               Quote(cache_root) + ": " + ec.message());
  }
  fs::path dir = fs::path(cache_root) / CacheName(url);
  git_repository* raw = nullptr;
  if (fs::exists(dir / "HEAD") && git_repository_open_bare(&raw, dir.c_str()) == 0) {
    RepoPtr repo(raw);
    git_remote* remote = nullptr;
    if (git_remote_lookup(&remote, repo.get(), "origin") == 0) {
      RemotePtr r(remote);
      const char* existing = git_remote_url(r.get());
      if (existing != nullptr && url == existing) return repo;
    }
    // A cache for a different URL (a hash collision) or a broken one: start over.
    repo.reset();
    fs::remove_all(dir, ec);
  }

  fs::path tmp =
      fs::path(cache_root) / (".tmp-" + std::to_string(::getpid()) + "-" + dir.filename().string());
  fs::remove_all(tmp, ec);
  if (git_repository_init(&raw, tmp.c_str(), /*is_bare=*/1) != 0) {
    return Status::Unavailable(RepoPrefix(url) +
                               ": cannot create cache repository: " + LastGitError());
  }
  RepoPtr repo(raw);
  git_remote* remote = nullptr;
  if (git_remote_create(&remote, repo.get(), "origin", url.c_str()) != 0) {
    std::string msg = LastGitError();
    repo.reset();
    fs::remove_all(tmp, ec);
    return Status::Invalid(RepoPrefix(url) + ": " + msg);
  }
  git_remote_free(remote);
  repo.reset();
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp, ec);  // another process won the race: use its cache
  if (git_repository_open_bare(&raw, dir.c_str()) != 0) {
    return Status::Unavailable(RepoPrefix(url) + ": cannot open cache repository " +
                               Quote(dir.string()) + ": " + LastGitError());
  }
  return RepoPtr(raw);
}

// Fetches every branch (to refs/remotes/origin/*) and tag, pruning deleted
// ones, and points refs/remotes/origin/HEAD at the remote's default branch.
Status Fetch(git_repository* repo, const std::string& url, const std::string& ssh_key) {
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, repo, "origin") != 0) {
    return Status::Internal(RepoPrefix(url) + ": cache has no origin remote: " + LastGitError());
  }
  RemotePtr remote(raw);
  auto fail = [&](const char* what) {
    return Status::Unavailable(RepoPrefix(url) + ": " + what + ": " + LastGitError());
  };

  CredentialState creds;
  creds.ssh_key = ssh_key;
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = AcquireCredential;
  callbacks.payload = &creds;
  if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) != 0) {
    return fail("fetch failed");
  }
  std::string default_branch;
  git_buf buf = GIT_BUF_INIT;
  if (git_remote_default_branch(&buf, remote.get()) == 0) {
    default_branch.assign(buf.ptr, buf.size);  // "refs/heads/main"
  }
  git_buf_dispose(&buf);
  git_error_clear();

  char heads[] = "+refs/heads/*:refs/remotes/origin/*";
  char tags[] = "+refs/tags/*:refs/tags/*";
  char* specs[] = {heads, tags};
  git_strarray refspecs = {specs, 2};
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  opts.callbacks = callbacks;
  opts.prune = GIT_FETCH_PRUNE;
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the tag refspec takes them all
  if (git_remote_download(remote.get(), &refspecs, &opts) != 0) return fail("fetch failed");
  if (git_remote_update_tips(remote.get(), &callbacks, 1, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
                             "caractrl fetch") != 0) {
    return fail("fetch failed (updating refs)");
  }
  if (git_remote_prune(remote.get(), &callbacks) != 0) return fail("fetch failed (pruning)");
  git_remote_disconnect(remote.get());

  const std::string heads_prefix = "refs/heads/";
  if (default_branch.rfind(heads_prefix, 0) == 0) {
    std::string target = "refs/remotes/origin/" + default_branch.substr(heads_prefix.size());
    git_reference* ref = nullptr;
    if (git_reference_symbolic_create(&ref, repo, "refs/remotes/origin/HEAD", target.c_str(),
                                      /*force=*/1, "caractrl fetch") != 0) {
      return fail("cannot record the remote HEAD");
    }
    git_reference_free(ref);
  } else {
    // An empty remote (or one whose HEAD is detached): no default branch.
    git_reference* ref = nullptr;
    if (git_reference_lookup(&ref, repo, "refs/remotes/origin/HEAD") == 0) {
      git_reference_delete(ref);
      git_reference_free(ref);
    }
    git_error_clear();
  }
  return Status::Ok();
}

// Resolves `ref` to a commit. In a cache, branches live under refs/remotes/origin/.
Result<ObjectPtr> ResolveCommit(git_repository* repo, const std::string& repo_name,
                                const std::string& ref, bool remote) {
  std::vector<std::string> candidates;
  if (ref.empty()) {
    candidates.push_back(remote ? "refs/remotes/origin/HEAD" : "HEAD");
  } else if (remote) {
    const std::string heads_prefix = "refs/heads/";
    std::string branch = ref.rfind(heads_prefix, 0) == 0 ? ref.substr(heads_prefix.size()) : ref;
    candidates.push_back("refs/remotes/origin/" + branch);
    candidates.push_back("refs/tags/" + ref);
    candidates.push_back(ref);
  } else {
    candidates.push_back(ref);
  }
  const std::string shown = ref.empty() ? "HEAD" : ref;
  for (const std::string& spec : candidates) {
    git_object* obj = nullptr;
    int rc = git_revparse_single(&obj, repo, spec.c_str());
    if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EUNBORNBRANCH) continue;
    if (rc == GIT_EAMBIGUOUS) {
      return Status::Invalid(RepoPrefix(repo_name) + ": ref " + Quote(shown) + " is ambiguous");
    }
    if (rc != 0) {
      return Status::Internal(RepoPrefix(repo_name) + ": resolving ref " + Quote(shown) + ": " +
                              LastGitError());
    }
    ObjectPtr holder(obj);
    git_object* commit = nullptr;
    if (git_object_peel(&commit, holder.get(), GIT_OBJECT_COMMIT) != 0) {
      return Status::Invalid(RepoPrefix(repo_name) + ": ref " + Quote(shown) +
                             " does not point to a commit");
    }
    return ObjectPtr(commit);
  }
  git_error_clear();
  return Status::NotFound(RepoPrefix(repo_name) + ": ref " + Quote(shown) + " not found");
}

struct WalkState {
  std::string prefix;  // "sub/" or ""
  std::vector<std::pair<std::string, git_oid>> blobs;
  std::vector<std::string> links;
};

int CollectBlob(const char* root, const git_tree_entry* entry, void* payload) {
  auto* state = static_cast<WalkState*>(payload);
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) return 0;  // trees recurse; skip submodules
  if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
    // A link's blob holds a path. Skipping it could drop manifests (and so
    // prune their objects); following it could leave the tree. Refuse.
    state->links.push_back(state->prefix + root + git_tree_entry_name(entry));
    return 0;
  }
  std::string name = git_tree_entry_name(entry);
  if (!HasManifestExtension(name)) return 0;
  state->blobs.emplace_back(state->prefix + root + name, *git_tree_entry_id(entry));
  return 0;
}

Result<GitSnapshot> ReadCommit(git_repository* repo, const std::string& repo_name,
                               git_object* commit_obj, const std::string& subpath_in) {
  Result<std::string> subpath = NormalizeSubpath(subpath_in);
  if (!subpath.ok()) return subpath.status().Wrap(RepoPrefix(repo_name));
  auto* commit = reinterpret_cast<git_commit*>(commit_obj);
  GitSnapshot snap;
  snap.commit = OidHex(git_commit_id(commit));
  const std::string short_sha = snap.commit.substr(0, 7);

  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit) != 0) {
    return Status::Internal(RepoPrefix(repo_name) + ": reading commit " + short_sha + ": " +
                            LastGitError());
  }
  TreePtr tree(raw_tree);
  WalkState state;
  if (!subpath->empty()) {
    git_tree_entry* raw_entry = nullptr;
    if (git_tree_entry_bypath(&raw_entry, tree.get(), subpath->c_str()) != 0) {
      git_error_clear();
      return Status::NotFound(RepoPrefix(repo_name) + ": path " + Quote(*subpath) +
                              " not found at commit " + short_sha);
    }
    TreeEntryPtr entry(raw_entry);
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
      return Status::Invalid(RepoPrefix(repo_name) + ": path " + Quote(*subpath) +
                             " is not a directory at commit " + short_sha);
    }
    git_object* sub = nullptr;
    if (git_tree_entry_to_object(&sub, repo, entry.get()) != 0) {
      return Status::Internal(RepoPrefix(repo_name) + ": reading " + Quote(*subpath) + ": " +
                              LastGitError());
    }
    tree.reset(reinterpret_cast<git_tree*>(sub));
    state.prefix = *subpath + "/";
  }
  if (git_tree_walk(tree.get(), GIT_TREEWALK_PRE, CollectBlob, &state) != 0) {
    return Status::Internal(RepoPrefix(repo_name) + ": walking the tree at commit " + short_sha +
                            ": " + LastGitError());
  }
  if (!state.links.empty()) {
    std::string list;
    for (size_t i = 0; i < state.links.size() && i < 5; ++i) {
      list += (i ? ", " : "") + state.links[i];
    }
    if (state.links.size() > 5) list += ", ...";
    return Status::Invalid(RepoPrefix(repo_name) + ": symlinks are not followed in Git sources (" +
                           list + "); commit the files themselves");
  }
  std::sort(state.blobs.begin(), state.blobs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  snap.files.reserve(state.blobs.size());
  for (const auto& [path, oid] : state.blobs) {
    git_blob* raw_blob = nullptr;
    if (git_blob_lookup(&raw_blob, repo, &oid) != 0) {
      return Status::Internal(RepoPrefix(repo_name) + ": reading " + Quote(path) + " at commit " +
                              short_sha + ": " + LastGitError());
    }
    BlobPtr blob(raw_blob);
    const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
    snap.files.push_back(
        {path, std::string(data, static_cast<size_t>(git_blob_rawsize(blob.get())))});
  }
  return snap;
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  std::string name = url.substr(0, scheme);
  if (name != "http" && name != "https") return url;
  size_t host = scheme + 3;
  size_t end = url.find('/', host);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + url.substr(at + 1);
}

bool IsRemoteRepo(const std::string& repo) {
  if (repo.find("://") != std::string::npos) return true;
  // scp-style "user@host:path": a colon before any slash.
  size_t colon = repo.find(':');
  size_t slash = repo.find('/');
  return colon != std::string::npos && colon > 0 && (slash == std::string::npos || colon < slash) &&
         repo.find('@') != std::string::npos && repo.find('@') < colon;
}

std::string DefaultGitCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg != '\0') return (fs::path(xdg) / "caractrl").string();
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') return (fs::path(home) / ".cache" / "caractrl").string();
  return "";
}

Result<GitSnapshot> ReadGitSource(const GitSourceOptions& o) {
  if (o.repo.empty()) return Status::Invalid("a repository URL or path is required");
  internal::InitLibgit2();
  const bool remote = IsRemoteRepo(o.repo);
  RepoPtr repo;
  if (remote) {
    std::string cache_root = o.cache_dir.empty() ? DefaultGitCacheDir() : o.cache_dir;
    if (cache_root.empty()) {
      return Status::Invalid(RepoPrefix(o.repo) +
                             ": no cache directory (set XDG_CACHE_HOME or HOME)");
    }
    Result<RepoPtr> cache = OpenOrCreateCache(o.repo, cache_root);
    if (!cache.ok()) return cache.status();
    repo = std::move(cache).value();
    CARA_RETURN_IF_ERROR(Fetch(repo.get(), o.repo, o.ssh_key));
  } else {
    git_repository* raw = nullptr;
    if (git_repository_open_ext(&raw, o.repo.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) !=
        0) {
      return Status::NotFound(RepoPrefix(o.repo) + ": cannot open: " + LastGitError());
    }
    repo.reset(raw);
  }
  Result<ObjectPtr> commit = ResolveCommit(repo.get(), o.repo, o.ref, remote);
  if (!commit.ok()) return commit.status();
  return ReadCommit(repo.get(), o.repo, commit->get(), o.path);
}

}  // namespace cara::gitops
