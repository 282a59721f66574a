// Decoders for the Engine API's streamed bodies: the multiplexed log stream
// of non-TTY containers and the NDJSON progress stream of an image pull. Both
// take the body in whatever pieces the HTTP layer hands over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace cara::agent {

// Docker's stream multiplexing header: [stream, 0, 0, 0, size (4 bytes BE)].
inline constexpr size_t kFrameHeaderSize = 8;

// Removes Docker's 8-byte frame headers from a multiplexed (non-TTY) stream.
// Chunks split frames anywhere, headers included, so the header is buffered
// and payload bytes are passed on as they come (a frame is not held back until
// complete: follow mode must deliver promptly).
class Demuxer {
 public:
  // `sink` must outlive the Demuxer.
  explicit Demuxer(const std::function<bool(const char*, size_t)>& sink) : sink_(sink) {}

  // False when the sink wants no more or the stream is not multiplexed.
  bool Feed(const char* data, size_t size);
  bool malformed() const { return malformed_; }

 private:
  // Takes header bytes; true once a whole, valid header has been read.
  bool ReadHeader(const char*& data, size_t& size);

  const std::function<bool(const char*, size_t)>& sink_;
  unsigned char header_[kFrameHeaderSize] = {};
  size_t header_len_ = 0;
  uint32_t remaining_ = 0;  // payload bytes left in the current frame
  bool malformed_ = false;
};

// Splits an NDJSON stream (pull progress) into lines.
class LineSplitter {
 public:
  using OnLine = std::function<void(std::string_view line)>;

  void Feed(const char* data, size_t size, const OnLine& on_line);
  // The last line when the stream did not end with a newline.
  void Finish(const OnLine& on_line);

 private:
  std::string buffer_;
};

}  // namespace cara::agent
