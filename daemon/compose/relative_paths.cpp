#include "compose/relative_paths.hpp"

#include "compose/file_source.hpp"

#include <string_view>

namespace aic::compose {
namespace {

bool looks_like_url(std::string_view s) {
  return s.find("://") != std::string_view::npos || s.rfind("git@", 0) == 0 ||
         s.rfind("github.com/", 0) == 0;
}

std::string absolute(const std::string& base_dir, const std::string& p, const std::string& home) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    return paths::join(home, p.size() > 2 ? p.substr(2) : std::string("."));
  }
  return paths::join(base_dir, p);
}

} // namespace

void resolve_relative_paths(Node& root, const std::string& base_dir, const std::string& home) {
  if (Node* services = root.find("services"); services && services->is_mapping()) {
    for (auto& e : services->entries) {
      Node& svc = e.value;
      if (!svc.is_mapping()) {
        continue;
      }
      if (Node* build = svc.find("build"); build && build->is_mapping()) {
        if (Node* ctx = build->find("context");
            ctx && ctx->is_scalar() && !looks_like_url(ctx->text)) {
          ctx->text = absolute(base_dir, ctx->text, home);
        }
      }
      if (Node* volumes = svc.find("volumes"); volumes && volumes->is_sequence()) {
        for (auto& v : volumes->items) {
          const Node* type = v.find("type");
          Node* source = v.find("source");
          if (type && type->text == "bind" && source && source->is_scalar() &&
              !source->text.empty()) {
            source->text = absolute(base_dir, source->text, home);
          }
        }
      }
      if (Node* env_file = svc.find("env_file"); env_file && env_file->is_sequence()) {
        for (auto& item : env_file->items) {
          if (Node* path = item.find("path")) {
            path->text = absolute(base_dir, path->text, home);
          }
        }
      }
    }
  }
  for (const char* kind : {"secrets", "configs"}) {
    if (Node* resources = root.find(kind); resources && resources->is_mapping()) {
      for (auto& e : resources->entries) {
        if (Node* file = e.value.find("file"); file && file->is_scalar()) {
          file->text = absolute(base_dir, file->text, home);
        }
      }
    }
  }
}

} // namespace aic::compose
