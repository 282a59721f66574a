#include "net/parse_error_reply.h"

#include <boost/beast/http/error.hpp>

namespace cara::net {

std::string_view ParseErrorReply(const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  if (ec.category() != http::make_error_code(http::error::bad_target).category() ||
      ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return "";
  }
  if (ec == http::error::header_limit) {
    return "HTTP/1.1 431 Request Header Fields Too Large\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Connection: close\r\n\r\n"
           "431 Request Header Fields Too Large";
  }
  return "HTTP/1.1 400 Bad Request\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Connection: close\r\n\r\n400 Bad Request";
}

}  // namespace cara::net
