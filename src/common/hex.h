// Lowercase hexadecimal text of bytes, as digests are shown (sha256sum, Git).
#pragma once

#include <cstddef>
#include <string>

namespace cara {

std::string LowerHex(const unsigned char* data, size_t size);

}  // namespace cara
