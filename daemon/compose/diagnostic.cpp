#include "compose/diagnostic.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace aic::compose {

Diagnostic Diagnostic::at(const Mark& mark, std::string path, std::string message) {
  return Diagnostic{mark.file_name(), mark.line, mark.column, std::move(path), std::move(message)};
}

std::string Diagnostic::format() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  if (!out.empty()) {
    out += ": ";
  }
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  return out;
}

bool Diagnostic::operator<(const Diagnostic& o) const {
  return std::tie(file, line, column, path, message) <
         std::tie(o.file, o.line, o.column, o.path, o.message);
}

void Diagnostics::add(const Mark& mark, std::string path, std::string message) {
  list_.push_back(Diagnostic::at(mark, std::move(path), std::move(message)));
}

Error Diagnostics::to_error() const {
  std::vector<Diagnostic> sorted = list_;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<std::string> details;
  details.reserve(sorted.size());
  for (const auto& d : sorted) {
    details.push_back(d.format());
  }
  std::string message = sorted.size() == 1
                            ? details.front()
                            : std::to_string(sorted.size()) + " problems in the compose project";
  return Error(ErrorCode::InvalidSpec, std::move(message),
               sorted.size() == 1 ? std::vector<std::string>{} : std::move(details));
}

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  std::string out = parent;
  out += '.';
  out += key;
  return out;
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + '[' + std::to_string(index) + ']';
}

namespace {
constexpr std::size_t kMaxQuotedBytes = 200;
} // namespace

std::string quote_for_message(std::string_view text) {
  const bool truncated = text.size() > kMaxQuotedBytes;
  if (truncated) {
    std::size_t cut = kMaxQuotedBytes;
    // Do not split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    text = text.substr(0, cut);
  }
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (const auto byte = static_cast<unsigned char>(c); byte < 0x20 || byte == 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(byte));
        out += hex;
      } else {
        out += c;
      }
    }
  }
  if (truncated) {
    out += "...";
  }
  out += '"';
  return out;
}

} // namespace aic::compose
