// SHA-256 (FIPS 180-4), for naming the loaded model by its contents.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace inference {

class Sha256 {
public:
  Sha256();
  void update(const void* data, std::size_t size);
  /// The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex_digest();

private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0; // bytes
};

std::string sha256_hex(std::string_view data);

struct FileDigest {
  std::string hex; ///< empty on failure
  std::string error;
  explicit operator bool() const { return !hex.empty(); }
};
FileDigest sha256_file(const std::string& path);

} // namespace inference
