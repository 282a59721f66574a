#include "store/postgres_url.h"

#include <cctype>

namespace cara::store {
namespace {

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// [begin, end) of the password in the userinfo of a URL, if any.
bool FindUrlPassword(const std::string& url, size_t* begin, size_t* end) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  size_t start = scheme + 3;
  // The last '@' before the query: a password may hold an unescaped '/'.
  size_t at = url.rfind('@', url.find('?', start));
  if (at == std::string::npos || at < start) return false;
  size_t colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return false;
  *begin = colon + 1;
  *end = at;
  return true;
}

// [begin, end) of a "password=" value in a query string or keyword string.
bool FindKeywordPassword(const std::string& url, size_t* begin, size_t* end) {
  size_t pos = url.find("password=");
  if (pos == std::string::npos) return false;
  *begin = pos + 9;
  *end = url.find_first_of("& ", *begin);
  if (*end == std::string::npos) *end = url.size();
  return true;
}

std::vector<std::string> Secrets(const std::string& url) {
  std::vector<std::string> secrets;
  size_t b, e;
  if (FindUrlPassword(url, &b, &e) && e > b) secrets.push_back(url.substr(b, e - b));
  if (FindKeywordPassword(url, &b, &e) && e > b) secrets.push_back(url.substr(b, e - b));
  size_t n = secrets.size();
  for (size_t i = 0; i < n; ++i) secrets.push_back(PercentDecode(secrets[i]));
  return secrets;
}

}  // namespace

std::string RedactDatabaseUrl(const std::string& url) {
  std::string out = url;
  size_t b, e;
  if (FindKeywordPassword(out, &b, &e)) out.replace(b, e - b, "***");
  if (FindUrlPassword(out, &b, &e)) out.replace(b, e - b, "***");
  return out;
}

std::string WithUrlParam(const std::string& url, const std::string& key, const std::string& value) {
  if (url.find(key + "=") != std::string::npos) return url;
  std::string param = key + "=" + value;
  if (url.find("://") == std::string::npos) return url + " " + param;  // keyword form
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

std::string WithConnectTimeout(const std::string& url, int seconds) {
  if (seconds <= 0) return url;
  return WithUrlParam(url, "connect_timeout", std::to_string(seconds));
}

SecretScrubber::SecretScrubber(const std::string& url) : secrets_(Secrets(url)) {}

std::string SecretScrubber::operator()(std::string msg) const {
  for (const std::string& s : secrets_) {
    for (size_t p = 0; (p = msg.find(s, p)) != std::string::npos; p += 3) {
      msg.replace(p, s.size(), "***");
    }
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

}  // namespace cara::store
