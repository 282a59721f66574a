// The OpenSSL context of a TLS net::HttpServer: certificate and key,
// TLS 1.2 or later, forward-secret AEAD ciphers only, and optionally a
// client certificate required from a CA (with a required common name).
// Internal to net: includes Asio's SSL.
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "common/status.h"
#include "net/http_server.h"

namespace cara::net {

// Errors name the file that cannot be used and why.
Result<std::unique_ptr<boost::asio::ssl::context>> NewTlsServerContext(
    const TlsServerOptions& options);

}  // namespace cara::net
