// Moving HTTP messages through the ingress proxy with Beast's relay pattern:
// bodies are streamed with buffer_body parsers and serializers, a buffer at
// a time, so a large upload or download is never held in memory. Internal to
// the proxy (ingress_proxy.cc, ingress_request.cc). Templates over the
// stream: a client connection is plain TCP or TLS over TCP.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>

#include "agent/beast_names.h"

namespace cara::agent {

using ProxyRequestParser = beast::http::request_parser<beast::http::buffer_body>;

inline std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

// RFC 9110 §7.6.1 hop-by-hop fields, plus whatever Connection names; the
// same list Go's httputil.ReverseProxy removes. Framing is re-applied by the
// caller (the serializer re-chunks as needed).
template <class Fields>
void RemoveHopByHop(Fields& fields) {
  std::vector<std::string> named;
  auto range = fields.equal_range(http::field::connection);
  for (auto it = range.first; it != range.second; ++it) {
    for (const auto& token : http::token_list{it->value()}) named.push_back(ToString(token));
  }
  for (const auto& name : named) fields.erase(name);
  for (const char* name :
       {"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
        "Te", "Trailer", "Transfer-Encoding", "Upgrade"}) {
    fields.erase(name);
  }
}

// Streams the rest of a message from `from` (parser `p`, whose header was
// already read) to `to` (serializer `sr`, whose header was already written).
// *read_side tells which side failed.
template <bool isRequest, class From, class To>
awaitable<error_code> RelayBody(From& from, beast::flat_buffer& from_buffer,
                                beast::http::parser<isRequest, beast::http::buffer_body>& p, To& to,
                                beast::http::serializer<isRequest, beast::http::buffer_body>& sr,
                                std::vector<char>& buf, bool* read_side) {
  error_code ec;
  for (;;) {
    if (!p.is_done()) {
      p.get().body().data = buf.data();
      p.get().body().size = buf.size();
      // read_some, not read: forward whatever arrived now instead of waiting
      // to fill the buffer (a log tail or SSE stream trickles).
      co_await http::async_read_some(from, from_buffer, p, Redirect(ec));
      if (ec == http::error::need_buffer) ec = {};  // buffer full: not an error
      if (ec) {
        *read_side = true;
        co_return ec;
      }
      const size_t n = buf.size() - p.get().body().size;
      // Nothing yet (e.g. only a chunk header was parsed): writing an empty
      // buffer would make the serializer emit "0\r\n\r\n", the last chunk.
      if (n == 0 && !p.is_done()) continue;
      p.get().body().size = n;
      p.get().body().data = n == 0 ? nullptr : buf.data();
      p.get().body().more = !p.is_done();
    } else {
      p.get().body().data = nullptr;
      p.get().body().size = 0;
      p.get().body().more = false;
    }
    const bool last = !p.get().body().more;
    co_await http::async_write(to, sr, Redirect(ec));
    if (ec == http::error::need_buffer) ec = {};  // buffer consumed: not an error
    if (ec) {
      *read_side = false;
      co_return ec;
    }
    if (last || sr.is_done()) co_return ec;  // written with more=false: complete
  }
}

// Reads and drops the rest of a request body we are not forwarding, so that
// the connection stays usable; gives up (false) beyond `limit` bytes, like
// Go's server (256 KiB).
template <class Stream>
awaitable<bool> DiscardBody(Stream& client, beast::flat_buffer& client_buffer,
                            ProxyRequestParser& rp, std::vector<char>& buf, size_t limit) {
  size_t total = 0;
  while (!rp.is_done()) {
    rp.get().body().data = buf.data();
    rp.get().body().size = buf.size();
    error_code ec;
    co_await http::async_read(client, client_buffer, rp, Redirect(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
    total += buf.size() - rp.get().body().size;
    if (total > limit) co_return false;
  }
  co_return true;
}

// Closing a socket with unread input makes the kernel send RST, which can
// destroy a response still in flight (e.g. a 502 page sent before a large
// upload was read). Like Go's closeWriteAndWait: send FIN, drain briefly.
// Over TLS too this works on the TCP socket: what is drained is ciphertext
// nobody will read, and TLS clients take a FIN without close_notify.
inline awaitable<void> LingeringClose(beast::tcp_stream& client) {
  error_code ec;
  client.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::vector<char> sink(16 * 1024);
  client.expires_after(std::chrono::milliseconds(500));
  for (;;) {
    co_await client.async_read_some(asio::buffer(sink), Redirect(ec));
    if (ec) break;
  }
  client.expires_never();
}

}  // namespace cara::agent
