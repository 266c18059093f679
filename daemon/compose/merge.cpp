#include "compose/merge.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <string_view>

namespace aic::compose {
namespace {

using KeyFn = std::function<std::string(const Node&)>;

// A text that equal trees share and different trees do not.
std::string signature(const Node& n) {
  switch (n.kind) {
  case NodeKind::Scalar:
    return std::to_string(static_cast<int>(n.type)) + ':' + std::to_string(n.text.size()) + ':' +
           n.text;
  case NodeKind::Sequence: {
    std::string out = "[";
    for (const auto& item : n.items) {
      out += signature(item) + ',';
    }
    return out + ']';
  }
  case NodeKind::Mapping: {
    std::vector<std::string> parts;
    for (const auto& e : n.entries) {
      parts.push_back(std::to_string(e.key.size()) + ':' + e.key + '=' + signature(e.value));
    }
    std::sort(parts.begin(), parts.end());
    std::string out = "{";
    for (const auto& p : parts) {
      out += p + ',';
    }
    return out + '}';
  }
  }
  return {};
}

// Items unique "by value": scalars by text, env_file entries by path, anything else by content.
std::string scalar_key(const Node& n) {
  if (n.is_scalar()) {
    return n.text;
  }
  if (const Node* path = n.find("path"); path && path->is_scalar()) {
    return "path:" + path->text;
  }
  return signature(n);
}

std::string field(const Node& n, std::string_view key) {
  const Node* f = n.find(key);
  return f ? f->text : std::string();
}

std::string port_key(const Node& n) {
  return field(n, "host_ip") + '|' + field(n, "target") + '|' + field(n, "published") + '|' +
         field(n, "protocol");
}

std::string target_key(const Node& n) {
  std::string target = field(n, "target");
  return target.empty() ? "source:" + field(n, "source") : target;
}

// Appends `over` to `base`; with a key function, a later item replaces an earlier one with the
// same key in place, so the result keeps one item per key.
void append_unique(Node& base, Node over, const KeyFn& key) {
  for (auto& item : over.items) {
    if (key) {
      std::string k = key(item);
      auto same = std::find_if(base.items.begin(), base.items.end(),
                               [&](const Node& existing) { return key(existing) == k; });
      if (same != base.items.end()) {
        *same = std::move(item);
        continue;
      }
    }
    base.items.push_back(std::move(item));
  }
}

void merge_generic(Node& base, Node over);

// Applies `!reset` / `!override` on one key, or merges it with `merge_value`.
template <typename MergeValue>
void merge_entries(Node& base, Node over, MergeValue merge_value) {
  for (auto& entry : over.entries) {
    if (entry.value.tag == "!reset") {
      base.erase(entry.key);
      continue;
    }
    Node* existing = base.find(entry.key);
    if (entry.value.tag == "!override" || !existing) {
      strip_merge_tags(entry.value);
      base.set(entry.key, std::move(entry.value), entry.key_mark);
      continue;
    }
    merge_value(entry.key, *existing, std::move(entry.value));
  }
}

void merge_generic(Node& base, Node over) {
  if (over.is_mapping() && base.is_mapping()) {
    merge_entries(base, std::move(over),
                  [](const std::string&, Node& b, Node o) { merge_generic(b, std::move(o)); });
  } else if (over.is_sequence() && base.is_sequence()) {
    strip_merge_tags(over);
    append_unique(base, std::move(over), nullptr);
  } else {
    strip_merge_tags(over);
    base = std::move(over);
  }
}

bool is_one_of(std::string_view key, std::initializer_list<std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void merge_service_key(const std::string& key, Node& base, Node over) {
  if (!base.is_sequence() || !over.is_sequence()) {
    if (key == "logging" && base.is_mapping() && over.is_mapping()) {
      const Node* bd = base.find("driver");
      const Node* od = over.find("driver");
      if (bd && od && bd->text != od->text) {
        strip_merge_tags(over);
        base = std::move(over);
        return;
      }
    }
    if (key == "healthcheck" && base.is_mapping() && over.is_mapping()) {
      if (Node* test = over.find("test"); test && test->tag.empty()) {
        test->tag = "!override";
      }
    }
    merge_generic(base, std::move(over));
    return;
  }
  strip_merge_tags(over);
  if (is_one_of(key, {"command", "entrypoint"})) {
    base = std::move(over);
  } else if (key == "ports") {
    append_unique(base, std::move(over), port_key);
  } else if (is_one_of(key, {"volumes", "secrets", "configs"})) {
    append_unique(base, std::move(over), target_key);
  } else if (is_one_of(key, {"expose", "devices", "env_file", "dns", "dns_search", "dns_opt",
                             "cap_add", "cap_drop", "security_opt", "tmpfs", "external_links",
                             "links", "volumes_from", "group_add", "device_cgroup_rules",
                             "profiles", "extra_hosts"})) {
    append_unique(base, std::move(over), scalar_key);
  } else {
    append_unique(base, std::move(over), nullptr);
  }
}

} // namespace

void strip_merge_tags(Node& node) {
  node.tag.clear();
  if (node.is_mapping()) {
    node.entries.erase(std::remove_if(node.entries.begin(), node.entries.end(),
                                      [](const MapEntry& e) { return e.value.tag == "!reset"; }),
                       node.entries.end());
    for (auto& e : node.entries) {
      strip_merge_tags(e.value);
    }
  } else if (node.is_sequence()) {
    for (auto& item : node.items) {
      strip_merge_tags(item);
    }
  }
}

void merge_service(Node& base, Node over) {
  if (!base.is_mapping() || !over.is_mapping()) {
    strip_merge_tags(over);
    base = std::move(over);
    return;
  }
  merge_entries(base, std::move(over), [](const std::string& key, Node& b, Node o) {
    merge_service_key(key, b, std::move(o));
  });
}

void merge_project(Node& base, Node over) {
  if (!base.is_mapping() || !over.is_mapping()) {
    strip_merge_tags(over);
    base = std::move(over);
    return;
  }
  merge_entries(base, std::move(over), [](const std::string& key, Node& b, Node o) {
    if (key == "services" && b.is_mapping() && o.is_mapping()) {
      merge_entries(b, std::move(o), [](const std::string&, Node& bs, Node os) {
        merge_service(bs, std::move(os));
      });
    } else {
      merge_generic(b, std::move(o));
    }
  });
}

bool same_value(const Node& a, const Node& b) {
  if (a.kind != b.kind) {
    return false;
  }
  switch (a.kind) {
  case NodeKind::Scalar:
    return a.type == b.type && a.text == b.text;
  case NodeKind::Sequence:
    return std::equal(a.items.begin(), a.items.end(), b.items.begin(), b.items.end(), same_value);
  case NodeKind::Mapping:
    if (a.entries.size() != b.entries.size()) {
      return false;
    }
    for (const auto& e : a.entries) {
      const Node* other = b.find(e.key);
      if (!other || !same_value(e.value, *other)) {
        return false;
      }
    }
    return true;
  }
  return false;
}

} // namespace aic::compose
