#include "agent/docker_streams.h"

#include <algorithm>
#include <cstring>

namespace cara::agent {

bool Demuxer::ReadHeader(const char*& data, size_t& size) {
  size_t take = std::min(kFrameHeaderSize - header_len_, size);
  std::memcpy(header_ + header_len_, data, take);
  header_len_ += take;
  data += take;
  size -= take;
  if (header_len_ < kFrameHeaderSize) return false;
  header_len_ = 0;
  // Stream ids are 0..3 and bytes 1..3 are zero; anything else means the
  // stream is raw after all (a TTY container), and guessing would hand garbage
  // to the user.
  if (header_[0] > 3 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
    malformed_ = true;
    return false;
  }
  remaining_ = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) |
               (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
  return true;
}

bool Demuxer::Feed(const char* data, size_t size) {
  while (size > 0) {
    if (remaining_ == 0) {
      if (!ReadHeader(data, size) && malformed_) return false;
      continue;
    }
    size_t take = std::min<size_t>(remaining_, size);
    remaining_ -= static_cast<uint32_t>(take);
    if (!sink_(data, take)) return false;
    data += take;
    size -= take;
  }
  return !malformed_;
}

void LineSplitter::Feed(const char* data, size_t size, const OnLine& on_line) {
  buffer_.append(data, size);
  size_t start = 0;
  for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    on_line(std::string_view(buffer_).substr(start, nl - start));
  }
  buffer_.erase(0, start);
}

void LineSplitter::Finish(const OnLine& on_line) {
  if (!buffer_.empty()) on_line(std::string_view(buffer_));
  buffer_.clear();
}

}  // namespace cara::agent
