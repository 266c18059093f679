#include "engine/wire_json.hpp"

#include <limits>

namespace aic::engine::wire {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) {
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead == 0xE0) {
    length = 3;
    low = 0xA0;
  } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    length = 3;
  } else if (lead == 0xED) {
    length = 3;
    high = 0x9F;
  } else if (lead == 0xF0) {
    length = 4;
    low = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    length = 4;
  } else if (lead == 0xF4) {
    length = 4;
    high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const auto byte = static_cast<unsigned char>(text[i + k]);
    const unsigned char min = k == 1 ? low : 0x80;
    const unsigned char max = k == 1 ? high : 0xBF;
    if (byte < min || byte > max) {
      return 0;
    }
  }
  return length;
}

} // namespace

std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string utf8_excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8_sequence_length(text, i);
    const std::string_view unit = length == 0 ? kReplacementCharacter : text.substr(i, length);
    if (out.size() + unit.size() > max_bytes) {
      break;
    }
    out += unit;
    i += length == 0 ? 1 : length;
  }
  return out;
}

void DecodeState::fail(const std::string& path, std::string_view what) {
  if (failed()) {
    return;
  }
  problem = path.empty() ? std::string(what) : path + ": " + std::string(what);
}

void Node::fail(std::string_view what) const {
  state_->fail(path_, what);
}

void Node::wrong_type(std::string_view expected) const {
  fail("expected " + std::string(expected) + ", got " + value_->type_name());
}

std::string Node::join(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

Node Node::operator[](std::string_view key) const {
  std::string path = join(key);
  if (!ok() || !present()) {
    return Node(nullptr, std::move(path), state_);
  }
  if (!value_->is_object()) {
    wrong_type("an object");
    return Node(nullptr, std::move(path), state_);
  }
  const auto it = value_->find(std::string(key));
  if (it == value_->end()) {
    return Node(nullptr, std::move(path), state_);
  }
  return Node(&*it, std::move(path), state_);
}

bool Node::expect_object() const {
  if (!ok()) {
    return false;
  }
  if (value_ == nullptr) {
    fail("missing");
    return false;
  }
  if (!value_->is_object()) {
    wrong_type("an object");
    return false;
  }
  return true;
}

bool Node::expect_array_or_null() const {
  if (!ok()) {
    return false;
  }
  if (present() && !value_->is_array()) {
    wrong_type("an array");
    return false;
  }
  return true;
}

void Node::read(std::string& out) const {
  if (!ok() || !present()) {
    return;
  }
  if (!value_->is_string()) {
    wrong_type("a string");
    return;
  }
  out = value_->get_ref<const std::string&>();
}

void Node::read(bool& out) const {
  if (!ok() || !present()) {
    return;
  }
  if (!value_->is_boolean()) {
    wrong_type("a boolean");
    return;
  }
  out = value_->get<bool>();
}

void Node::read(std::int64_t& out) const {
  if (!ok() || !present()) {
    return;
  }
  if (value_->is_number_unsigned()) {
    const auto value = value_->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(dump(*value_) + " does not fit a 64-bit integer");
      return;
    }
    out = static_cast<std::int64_t>(value);
    return;
  }
  if (value_->is_number_integer()) {
    out = value_->get<std::int64_t>();
    return;
  }
  if (value_->is_number_float()) {
    // The parser turns integers past 64 bits into floats too.
    fail("expected an integer that fits 64 bits, got " + dump(*value_));
    return;
  }
  wrong_type("an integer");
}

void Node::read(int& out) const {
  std::int64_t value = out;
  read(value);
  if (!ok() || !present()) {
    return;
  }
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    fail(std::to_string(value) + " does not fit a 32-bit integer");
    return;
  }
  out = static_cast<int>(value);
}

void Node::read(std::optional<int>& out) const {
  if (!ok() || !present()) {
    return;
  }
  int value = 0;
  read(value);
  if (ok()) {
    out = value;
  }
}

void Node::read(std::optional<bool>& out) const {
  if (!ok() || !present()) {
    return;
  }
  bool value = false;
  read(value);
  if (ok()) {
    out = value;
  }
}

void Node::read(std::vector<std::string>& out) const {
  if (!ok() || !present()) {
    return;
  }
  std::vector<std::string> items;
  for_each_item([&](const Node& item) {
    std::string text;
    if (!item.present()) {
      item.wrong_type("a string");
      return;
    }
    item.read(text);
    items.push_back(std::move(text));
  });
  if (ok()) {
    out = std::move(items);
  }
}

void Node::read(std::optional<std::vector<std::string>>& out) const {
  if (!ok() || !present()) {
    return;
  }
  std::vector<std::string> items;
  read(items);
  if (ok()) {
    out = std::move(items);
  }
}

void Node::read(std::vector<std::vector<std::string>>& out) const {
  if (!ok() || !present()) {
    return;
  }
  std::vector<std::vector<std::string>> items;
  for_each_item([&](const Node& item) {
    std::vector<std::string> inner;
    item.read(inner);
    items.push_back(std::move(inner));
  });
  if (ok()) {
    out = std::move(items);
  }
}

void Node::read(std::map<std::string, std::string>& out) const {
  if (!ok() || !present()) {
    return;
  }
  std::map<std::string, std::string> members;
  for_each_member([&](const std::string& key, const Node& value) {
    std::string text;
    if (!value.present()) {
      value.wrong_type("a string");
      return;
    }
    value.read(text);
    members.emplace(key, std::move(text));
  });
  if (ok()) {
    out = std::move(members);
  }
}

void Node::read_keys(std::vector<std::string>& out) const {
  if (!ok() || !present()) {
    return;
  }
  std::vector<std::string> keys;
  for_each_member([&](const std::string& key, const Node&) { keys.push_back(key); });
  if (ok()) {
    out = std::move(keys);
  }
}

Error decode_error(std::string_view what, std::string_view problem) {
  return Error(ErrorCode::EngineUnavailable,
               "unexpected engine response: " + std::string(what) + ": " + std::string(problem));
}

std::string normalize_port(std::string_view port) {
  if (port.empty() || port.find('/') != std::string_view::npos) {
    return std::string(port);
  }
  return std::string(port) + "/tcp";
}

} // namespace aic::engine::wire
