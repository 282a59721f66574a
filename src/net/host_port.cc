#include "net/host_port.h"

namespace cara::net {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// 1 to 5 digits, at most 65535.
std::optional<int> ListenPort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return std::nullopt;
  return value;
}

}  // namespace

Result<HostPort> SplitHostPort(std::string_view address) {
  HostPort out;
  std::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos) {
      return Status::Invalid("missing ']' in address " + Quote(address));
    }
    if (close + 1 >= address.size() || address[close + 1] != ':') {
      return Status::Invalid("missing port in address " + Quote(address));
    }
    out.host = address.substr(1, close - 1);
    port_text = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::Invalid("missing port in address " + Quote(address));
    }
    if (address.find(':') != colon) {
      return Status::Invalid("too many colons in address " + Quote(address));
    }
    out.host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
  }
  auto port = ListenPort(port_text);
  if (!port)
    return Status::Invalid("invalid port " + Quote(port_text) + " in address " + Quote(address));
  out.port = *port;
  return out;
}

std::string JoinHostPort(std::string_view host, int port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  return out + ":" + std::to_string(port);
}

std::string_view StripBrackets(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

std::optional<int> ParsePort(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i == text.size()) return std::nullopt;
  long value = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    // Saturate: any larger value is out of range anyway.
    if (value <= 65535) value = value * 10 + (text[i] - '0');
  }
  if (negative) value = -value;
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<int>(value);
}

}  // namespace cara::net
