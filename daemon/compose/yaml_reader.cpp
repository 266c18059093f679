#include "compose/yaml_reader.hpp"

#include "compose/utf8.hpp"

#include <algorithm>
#include <exception>
#include <sstream>
#include <unordered_map>
#include <vector>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace aic::compose {
namespace {

constexpr std::string_view kMergeKey = "<<";

// Sees a stream's events without building nodes, to count its documents before YAML::Load
// builds the first one. YAML::LoadAll is not used: yaml-cpp 0.7 never returns on a stream that
// starts with a stray ',' (jbeder/yaml-cpp#1040, fixed upstream after 0.8 by #1319); it keeps
// yielding null documents without consuming the token, which shows here as two documents that
// start at the same place.
class DocumentCounter final : public YAML::EventHandler {
public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

bool same_place(const YAML::Mark& a, const YAML::Mark& b) {
  return a.pos == b.pos && a.line == b.line && a.column == b.column;
}

bool is_core_tag(const std::string& tag) {
  return tag.empty() || tag == "?" || tag == "!" || tag.rfind("tag:yaml.org,2002:", 0) == 0;
}

class Converter {
public:
  Converter(std::shared_ptr<const std::string> file, Diagnostics& diags, const ReadLimits& limits)
      : file_(std::move(file)), diags_(diags), limits_(limits) {}

  bool aborted() const { return aborted_; }

  Node convert(const YAML::Node& y, const Mark& fallback, int depth, const std::string& path) {
    Node out;
    if (aborted_) {
      return out;
    }
    if (++count_ > limits_.max_nodes) {
      abort(fallback, "the document expands to more than " + std::to_string(limits_.max_nodes) +
                          " nodes (too many aliases?)");
      return out;
    }
    if (depth > limits_.max_depth) {
      abort(fallback, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
      return out;
    }
    out.mark = y.Type() == YAML::NodeType::Null ? fallback : mark_of(y);
    const std::string& tag = y.Tag();
    if (tag == "!reset" || tag == "!override") {
      out.tag = tag;
    } else if (!is_core_tag(tag)) {
      diags_.add(out.mark, path, "unsupported YAML tag \"" + tag + "\"");
    }
    switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return out;
    case YAML::NodeType::Scalar:
      convert_scalar(y, tag, out);
      return out;
    case YAML::NodeType::Sequence: {
      out.kind = NodeKind::Sequence;
      out.items.reserve(y.size());
      std::size_t i = 0;
      for (const auto& item : y) {
        out.items.push_back(convert(item, out.mark, depth + 1, index_path(path, i++)));
      }
      return out;
    }
    case YAML::NodeType::Map:
      out.kind = NodeKind::Mapping;
      convert_mapping(y, out, depth, path);
      return out;
    }
    return out;
  }

private:
  Mark mark_of(const YAML::Node& y) const {
    return Mark{file_, y.Mark().line + 1, y.Mark().column + 1};
  }

  void abort(const Mark& at, std::string message) {
    if (!aborted_) {
      diags_.add(at, "", std::move(message));
    }
    aborted_ = true;
  }

  static void convert_scalar(const YAML::Node& y, const std::string& tag, Node& out) {
    out.text = y.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      out.type = ScalarType::String;
      out.quoted = true;
      return;
    }
    out.type = resolve_plain_scalar(out.text);
    if (out.type == ScalarType::Null) {
      out.text.clear();
    }
  }

  void convert_mapping(const YAML::Node& y, Node& out, int depth, const std::string& path) {
    std::vector<std::pair<Mark, YAML::Node>> merges;
    // Key -> position in out.entries: a linear lookup per key made a big mapping quadratic.
    std::unordered_map<std::string, std::size_t> index;
    for (const auto& kv : y) {
      const YAML::Node& key = kv.first;
      Mark key_mark = mark_of(key);
      if (!key.IsScalar()) {
        diags_.add(key_mark, path, "mapping keys must be strings");
        continue;
      }
      const std::string& name = key.Scalar();
      if (name == kMergeKey && key.Tag() == "?") {
        merges.emplace_back(key_mark, kv.second);
        continue;
      }
      if (auto previous = index.find(name); previous != index.end()) {
        diags_.add(key_mark, join_path(path, name),
                   "duplicate key (first defined at line " +
                       std::to_string(out.entries[previous->second].key_mark.line) + ")");
        continue;
      }
      Node value = convert(kv.second, key_mark, depth + 1, join_path(path, name));
      index.emplace(name, out.entries.size());
      out.entries.push_back(MapEntry{name, std::move(key_mark), std::move(value)});
    }
    for (const auto& [mark, source] : merges) {
      apply_merge(source, mark, out, index, depth, path);
    }
  }

  // YAML merge keys: explicit keys win; in a list, the earlier map wins.
  void apply_merge(const YAML::Node& source, const Mark& mark, Node& out,
                   std::unordered_map<std::string, std::size_t>& index, int depth,
                   const std::string& path) {
    std::vector<YAML::Node> maps;
    if (source.IsMap()) {
      maps.push_back(source);
    } else if (source.IsSequence()) {
      for (const auto& item : source) {
        maps.push_back(item);
      }
    }
    for (const auto& m : maps) {
      if (!m.IsMap()) {
        diags_.add(mark, join_path(path, kMergeKey),
                   "a merge key needs a mapping or a list of mappings");
        return;
      }
    }
    if (maps.empty()) {
      diags_.add(mark, join_path(path, kMergeKey),
                 "a merge key needs a mapping or a list of mappings");
      return;
    }
    for (const auto& m : maps) {
      // depth + 1: a map that merges itself (`&a {<<: *a}`) must hit max_depth, not the stack.
      Node merged = convert(m, mark, depth + 1, path);
      for (auto& entry : merged.entries) {
        if (index.emplace(entry.key, out.entries.size()).second) {
          out.entries.push_back(std::move(entry));
        }
      }
    }
  }

  std::shared_ptr<const std::string> file_;
  Diagnostics& diags_;
  const ReadLimits& limits_;
  std::size_t count_ = 0;
  bool aborted_ = false;
};

} // namespace

std::optional<Node> read_yaml(std::string_view content, std::shared_ptr<const std::string> file,
                              Diagnostics& diags, const ReadLimits& limits) {
  Mark start{file, 1, 1};
  if (content.size() > limits.max_bytes) {
    diags.add(start, "", "file is larger than " + std::to_string(limits.max_bytes) + " bytes");
    return std::nullopt;
  }
  // YAML is Unicode; docker compose refuses a file that is not valid UTF-8, and so does aic.
  if (std::size_t bad = invalid_utf8_offset(content); bad != std::string_view::npos) {
    std::string_view before = content.substr(0, bad);
    int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    std::size_t line_start = before.rfind('\n');
    int column =
        static_cast<int>(bad - (line_start == std::string_view::npos ? 0 : line_start + 1)) + 1;
    diags.add(Mark{file, line, column}, "", "the file is not valid UTF-8");
    return std::nullopt;
  }
  const std::string text(content);
  std::vector<YAML::Mark> starts;
  YAML::Node document;
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    starts = std::move(counter.starts);
    if (starts.size() == 1) {
      document = YAML::Load(text);
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (2000 levels) fires before the converter's tighter one can.
    diags.add(Mark{file, e.mark.line + 1, e.mark.column + 1}, "",
              "nesting deeper than " + std::to_string(limits.max_depth) + " levels");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    Mark at{file, e.mark.line + 1, e.mark.column + 1};
    if (e.mark.is_null()) {
      at = start;
    }
    diags.add(at, "", "invalid YAML: " + e.msg);
    return std::nullopt;
  } catch (const std::exception& e) {
    diags.add(start, "", std::string("invalid YAML: ") + e.what());
    return std::nullopt;
  }
  if (starts.size() > 1 && same_place(starts[0], starts[1])) {
    diags.add(Mark{file, starts[1].line + 1, starts[1].column + 1}, "",
              "invalid YAML: unexpected token at the start of a document");
    return std::nullopt;
  }
  if (starts.size() > 1) {
    diags.add(start, "", "several YAML documents in one file are not supported");
    return std::nullopt;
  }
  if (starts.empty()) {
    return Node::null(start);
  }
  std::size_t before = diags.size();
  Converter converter(file, diags, limits);
  Node root = converter.convert(document, start, 0, "");
  if (converter.aborted() || diags.size() != before) {
    return std::nullopt;
  }
  return root;
}

} // namespace aic::compose
