#pragma once

// Helpers shared by the wire_*.cpp codec files; not for use outside them.

#include "core/result.hpp"
#include "engine/container_types.hpp"

#include <cstdint>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aic::engine::wire {

using Json = nlohmann::json;

/// Compact, key-sorted text; invalid UTF-8 in strings becomes U+FFFD instead of throwing.
std::string dump(const Json& value);

/// At most max_bytes of text, never cutting a UTF-8 sequence, with invalid bytes replaced by
/// U+FFFD: engine text that goes into Error messages must stay valid UTF-8.
std::string utf8_excerpt(std::string_view text, std::size_t max_bytes);

/// The first decoding problem, shared by every Node of one decode.
struct DecodeState {
  std::string problem; ///< "State.ExitCode: expected an integer, got string"; "" while fine
  bool failed() const { return !problem.empty(); }
  void fail(const std::string& path, std::string_view what);
};

/// A position in a parsed response. Reading an absent or null member leaves the output as it
/// was; a member of the wrong type records the first problem in the shared DecodeState, and
/// every read after a problem is a no-op, so decoders read all fields without checking each.
class Node {
public:
  Node(const Json* value, std::string path, DecodeState* state)
      : value_(value), path_(std::move(path)), state_(state) {}

  /// Neither absent nor null.
  bool present() const { return value_ != nullptr && !value_->is_null(); }
  /// The member `key`; absent when this node is absent or null, a problem when it is present
  /// but not an object.
  Node operator[](std::string_view key) const;
  /// Records a problem unless this node is a present object.
  bool expect_object() const;
  /// Records a problem unless this node is absent, null or an array.
  bool expect_array_or_null() const;

  void read(std::string& out) const;
  void read(bool& out) const;
  void read(int& out) const;
  void read(std::int64_t& out) const;
  void read(std::optional<int>& out) const;
  void read(std::optional<bool>& out) const;
  void read(std::vector<std::string>& out) const;
  /// Absent or null → nullopt; [] → an empty list.
  void read(std::optional<std::vector<std::string>>& out) const;
  void read(std::vector<std::vector<std::string>>& out) const;
  void read(std::map<std::string, std::string>& out) const;
  /// The member names of an object (Docker's sets, {"80/tcp": {}}), sorted.
  void read_keys(std::vector<std::string>& out) const;

  /// Calls f(Node) for each element of an array; absent or null is an empty array.
  template <typename F>
  void for_each_item(F&& f) const {
    if (!expect_array_or_null() || !present()) {
      return;
    }
    std::size_t i = 0;
    for (const Json& item : *value_) {
      if (state_->failed()) {
        return;
      }
      f(Node(&item, path_ + "[" + std::to_string(i) + "]", state_));
      ++i;
    }
  }

  /// Calls f(key, Node) for each member of an object, in key order; absent or null is empty.
  template <typename F>
  void for_each_member(F&& f) const {
    if (!present()) {
      return;
    }
    if (!expect_object()) {
      return;
    }
    for (auto it = value_->begin(); it != value_->end(); ++it) {
      if (state_->failed()) {
        return;
      }
      f(it.key(), Node(&it.value(), join(it.key()), state_));
    }
  }

  /// Reads an array of objects with `read_one(Node, T&)`.
  template <typename T, typename F>
  void read_list(std::vector<T>& out, F&& read_one) const {
    for_each_item([&](const Node& item) {
      if (!item.present() || !item.expect_object()) {
        return; // a null element is skipped
      }
      T value{};
      read_one(item, value);
      out.push_back(std::move(value));
    });
  }

  const Json* json() const { return value_; }
  const std::string& path() const { return path_; }
  DecodeState* state() const { return state_; }
  void fail(std::string_view what) const;

private:
  std::string join(std::string_view key) const;
  bool ok() const { return !state_->failed(); }
  void wrong_type(std::string_view expected) const;

  const Json* value_;
  std::string path_;
  DecodeState* state_;
};

/// The EngineUnavailable error every decoder returns: "unexpected engine response: <what>: …".
Error decode_error(std::string_view what, std::string_view problem);

/// Parses `body` and runs `fill(root, out)`; the first problem becomes decode_error(what, …).
/// Catches everything, so no exception leaves a decoder.
template <typename T, typename F>
Result<T> decode_body(std::string_view body, std::string_view what, F&& fill) {
  try {
    const Json root = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
      return decode_error(what, "not JSON: \"" + utf8_excerpt(body, 80) + "\"");
    }
    DecodeState state;
    T out{};
    fill(Node(&root, "", &state), out);
    if (state.failed()) {
      return decode_error(what, state.problem);
    }
    return out;
  } catch (const std::exception& e) {
    return decode_error(what, e.what());
  }
}

/// Decodes a top-level object.
template <typename T, typename F>
Result<T> decode_object(std::string_view body, std::string_view what, F&& read_one) {
  return decode_body<T>(body, what, [&](const Node& root, T& out) {
    if (root.expect_object()) {
      read_one(root, out);
    }
  });
}

/// Decodes a top-level array of objects; null is an empty list.
template <typename T, typename F>
Result<std::vector<T>> decode_array(std::string_view body, std::string_view what, F&& read_one) {
  return decode_body<std::vector<T>>(
      body, what, [&](const Node& root, std::vector<T>& out) { root.read_list(out, read_one); });
}

/// "80" → "80/tcp"; anything with a protocol is kept.
std::string normalize_port(std::string_view port);

/// Docker's EndpointSettings as a request sends it (create and connect); empty fields are left
/// out, and an endpoint that sets nothing is {}.
Json encode_endpoint(const NetworkEndpoint& endpoint);

/// Docker's HealthConfig, shared by containers and images.
Json encode_health_config(const HealthConfig& health, bool with_start_interval);
void read_health_config(const Node& node, std::optional<HealthConfig>& out);

} // namespace aic::engine::wire
