#include "compose/loader.hpp"

#include "compose/canonical.hpp"
#include "compose/diagnostic.hpp"
#include "compose/discovery.hpp"
#include "compose/dotenv.hpp"
#include "compose/interpolation.hpp"
#include "compose/merge.hpp"
#include "compose/normalize.hpp"
#include "compose/relative_paths.hpp"
#include "compose/schema_validator.hpp"
#include "compose/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

namespace aic::compose {
namespace {

using Env = std::map<std::string, std::string>;

bool truthy(const std::string& v) {
  return v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes";
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      end = s.size();
    }
    std::string part(s.substr(start, end - start));
    if (!part.empty()) {
      out.push_back(std::move(part));
    }
    start = end + 1;
  }
  return out;
}

std::vector<std::string> declared_profiles(const Node& model) {
  std::set<std::string> found;
  if (const Node* services = model.find("services")) {
    for (const auto& e : services->entries) {
      if (const Node* profiles = e.value.find("profiles")) {
        for (const auto& p : profiles->items) {
          found.insert(p.text);
        }
      }
    }
  }
  return {found.begin(), found.end()};
}

class Loader {
public:
  Loader(const LoadOptions& options, const FileSource& files) : opts_(options), fs_(files) {}

  Result<LoadedProject> run() {
    const std::string wd = opts_.working_dir.empty() ? "/" : opts_.working_dir;
    std::optional<std::string> project_dir;
    if (opts_.project_directory) {
      project_dir = paths::join(wd, *opts_.project_directory);
    }
    std::vector<std::string> files;
    for (const auto& f : opts_.files) {
      files.push_back(paths::join(wd, f));
    }

    const std::string env_dir =
        project_dir ? *project_dir : (!files.empty() ? paths::dirname(files.front()) : wd);
    Env env = environment_for(env_dir);
    if (files.empty()) {
      if (auto it = env.find("COMPOSE_FILE"); it != env.end() && !it->second.empty()) {
        auto sep = env.find("COMPOSE_PATH_SEPARATOR");
        char c = sep != env.end() && !sep->second.empty() ? sep->second.front() : ':';
        for (const auto& f : split(it->second, c)) {
          files.push_back(paths::join(wd, f));
        }
      } else {
        files = discover_compose_files(fs_, project_dir ? *project_dir : wd);
      }
    }
    if (!diags_.empty()) {
      return unexpected(diags_.to_error());
    }
    if (files.empty()) {
      return unexpected(
          Error(ErrorCode::InvalidSpec, "no configuration file provided: not found (looked for "
                                        "compose.yaml, compose.yml, docker-compose.yml, "
                                        "docker-compose.yaml in " +
                                            wd + " and its parents)"));
    }
    project_dir_ = project_dir ? *project_dir : paths::dirname(files.front());
    if (!project_dir && opts_.env_files.empty() && project_dir_ != env_dir) {
      env_files_used_.clear();
      env = environment_for(project_dir_);
    }

    std::string name;
    if (!project_name_from_flags(env, name)) {
      return unexpected(diags_.to_error());
    }
    // The files may use ${COMPOSE_PROJECT_NAME} even when the name comes from `name:` or the
    // directory, so it is settled (from a first parse, kept for the real pass) before any
    // interpolation.
    std::string interpolation_name = name.empty() ? name_from_files(files, env) : name;
    if (!interpolation_name.empty()) {
      env["COMPOSE_PROJECT_NAME"] = interpolation_name;
    }

    std::vector<Node> layers;
    for (const auto& f : files) {
      if (auto layer = load_layer(f, env, project_dir_, {})) {
        layers.push_back(std::move(*layer));
      }
    }
    if (!diags_.empty()) {
      return unexpected(diags_.to_error());
    }
    Node model = std::move(layers.front());
    strip_merge_tags(model);
    for (std::size_t i = 1; i < layers.size(); ++i) {
      merge_project(model, std::move(layers[i]));
    }

    if (name.empty()) {
      if (const Node* n = model.find("name"); n && n->is_scalar() && !n->text.empty()) {
        name = normalize_project_name(n->text);
      }
    }
    if (name.empty()) {
      name = normalize_project_name(paths::basename(project_dir_));
    }
    if (name.empty()) {
      return unexpected(Error(ErrorCode::InvalidSpec,
                              "project name must not be empty: use -p, COMPOSE_PROJECT_NAME or "
                              "a top-level name:"));
    }

    NormalizeContext ctx;
    ctx.project_name = name;
    ctx.project_dir = project_dir_;
    ctx.environment = &env;
    ctx.active_profiles = active_profiles(env);
    ctx.selected_services = opts_.services;
    ctx.files = &fs_;
    ctx.referenced = &referenced_;
    ctx.interpolate = opts_.interpolate;
    LoadedProject out;
    out.profiles = declared_profiles(model);
    std::vector<Diagnostic> warnings;
    normalize_project(model, ctx, diags_, warnings, out.disabled_services);
    if (!diags_.empty()) {
      return unexpected(diags_.to_error());
    }
    for (auto& w : warnings) {
      warnings_.push_back(std::move(w));
    }
    std::sort(warnings_.begin(), warnings_.end());
    warnings_.erase(std::unique(warnings_.begin(), warnings_.end()), warnings_.end());
    for (const auto& w : warnings_) {
      out.warnings.push_back(w.format());
    }

    out.name = name;
    out.working_dir = project_dir_;
    out.config_files = files;
    out.env_files = env_files_used_;
    for (const auto& var : referenced_) {
      if (auto it = env.find(var); it != env.end()) {
        out.environment.emplace(var, it->second);
      }
    }
    out.model = std::move(model);
    return out;
  }

private:
  // --- environment -------------------------------------------------------------------------

  // OS environment over --env-file files (or the project's .env).
  Env environment_for(const std::string& dir) {
    Env dotenv;
    if (!opts_.env_files.empty()) {
      for (const auto& f : opts_.env_files) {
        read_env_file(paths::join(opts_.working_dir.empty() ? "/" : opts_.working_dir, f), true,
                      dotenv);
      }
    } else {
      auto disabled = opts_.environment.find("COMPOSE_DISABLE_ENV_FILE");
      if (disabled == opts_.environment.end() || !truthy(disabled->second)) {
        read_env_file(paths::join(dir, ".env"), false, dotenv);
      }
    }
    Env env = std::move(dotenv);
    for (const auto& [k, v] : opts_.environment) {
      env[k] = v;
    }
    return env;
  }

  void read_env_file(const std::string& path, bool required, Env& into) {
    if (!required && !fs_.is_file(path)) {
      return;
    }
    Result<std::string> content = fs_.read(path);
    if (!content) {
      diags_.add(Diagnostic{path, 0, 0, "", "cannot read env file: " + content.error().message()});
      return;
    }
    const Env& os = opts_.environment;
    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
      if (auto it = os.find(std::string(name)); it != os.end()) {
        return it->second;
      }
      if (auto it = into.find(std::string(name)); it != into.end()) {
        return it->second;
      }
      return std::nullopt;
    };
    Result<std::vector<EnvVar>> vars = parse_dotenv(*content, lookup);
    if (!vars) {
      diags_.add(Diagnostic{path, 0, 0, "", vars.error().message()});
      return;
    }
    for (auto& v : *vars) {
      into[v.name] = std::move(v.value);
    }
    env_files_used_.push_back(path);
  }

  std::string home() const {
    auto it = opts_.environment.find("HOME");
    return it != opts_.environment.end() ? it->second : "/root";
  }

  bool project_name_from_flags(const Env& env, std::string& name) {
    auto check = [&](const std::string& value, const std::string& source) {
      if (value.empty() || normalize_project_name(value) != value) {
        diags_.add(Diagnostic{"", 0, 0, "",
                              "invalid project name \"" + value + "\" from " + source +
                                  ": it must contain only lowercase letters, digits, dashes "
                                  "and underscores, and start with a letter or digit"});
        return false;
      }
      name = value;
      return true;
    };
    if (opts_.project_name) {
      return check(*opts_.project_name, "-p");
    }
    if (auto it = env.find("COMPOSE_PROJECT_NAME"); it != env.end() && !it->second.empty()) {
      return check(it->second, "COMPOSE_PROJECT_NAME");
    }
    return true;
  }

  // The project name the files give (the last top-level `name:`, interpolated), else the
  // project directory's. Parses each file once and keeps the tree for read_file; a file that
  // does not parse is left for read_file to report.
  std::string name_from_files(const std::vector<std::string>& files, const Env& env) {
    std::string found;
    for (const auto& f : files) {
      Result<std::string> content = fs_.read(f);
      if (!content) {
        continue;
      }
      Diagnostics ignored;
      std::optional<Node> root =
          read_yaml(*content, std::make_shared<const std::string>(display_name(f)), ignored);
      if (!root) {
        continue;
      }
      if (const Node* n = root->find("name"); n && n->is_scalar() && !n->text.empty()) {
        std::string value = n->text;
        if (opts_.interpolate) {
          auto lookup = [&](std::string_view var) -> std::optional<std::string> {
            auto it = env.find(std::string(var));
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
          };
          Result<InterpolationOutcome> r = interpolate(value, lookup);
          value = r ? r->value : std::string();
        }
        if (!value.empty()) {
          found = value;
        }
      }
      parsed_.emplace(f, std::move(*root));
    }
    return normalize_project_name(found.empty() ? paths::basename(project_dir_) : found);
  }

  std::vector<std::string> active_profiles(const Env& env) const {
    if (!opts_.profiles.empty()) {
      return opts_.profiles;
    }
    if (auto it = env.find("COMPOSE_PROFILES"); it != env.end()) {
      std::vector<std::string> out;
      for (auto& p : split(it->second, ',')) {
        std::size_t b = p.find_first_not_of(" \t");
        std::size_t e = p.find_last_not_of(" \t");
        if (b != std::string::npos) {
          out.push_back(p.substr(b, e - b + 1));
        }
      }
      return out;
    }
    return {};
  }

  // --- one file ----------------------------------------------------------------------------

  std::string display_name(const std::string& path) const {
    const std::string& wd = opts_.working_dir;
    if (!wd.empty() && wd != "/" && path.size() > wd.size() + 1 &&
        path.compare(0, wd.size(), wd) == 0 && path[wd.size()] == '/') {
      return path.substr(wd.size() + 1);
    }
    return path;
  }

  // Reads, interpolates, validates and canonicalizes one file; applies its `include` and
  // `extends`, and resolves its relative paths against `base_dir`.
  // `origin` is the include entry that names this file, if any: errors about the file point there.
  std::optional<Node> load_layer(const std::string& path, const Env& env,
                                 const std::string& base_dir, std::vector<std::string> stack,
                                 const Node* origin = nullptr,
                                 const std::string& origin_path = {}) {
    if (origin && std::find(stack.begin(), stack.end(), path) != stack.end()) {
      std::string cycle;
      for (auto it = std::find(stack.begin(), stack.end(), path); it != stack.end(); ++it) {
        cycle += display_name(*it) + " -> ";
      }
      diags_.add(origin->mark, origin_path, "include cycle: " + cycle + display_name(path));
      return std::nullopt;
    }
    if (origin && !fs_.is_file(path)) {
      diags_.add(origin->mark, origin_path, "included file " + display_name(path) + " not found");
      return std::nullopt;
    }
    std::optional<Node> root = read_file(path, env);
    if (!root) {
      return std::nullopt;
    }
    stack.push_back(path);
    std::size_t before = diags_.size();
    // Moved out first: apply_includes adds keys to root, which would leave a pointer into
    // root's entries dangling.
    if (Node* found = root->find("include")) {
      Node include = std::move(*found);
      root->erase("include");
      apply_includes(*root, include, path, env, stack);
    }
    resolve_extends(*root, path, env);
    resolve_relative_paths(*root, base_dir, home());
    if (diags_.size() != before) {
      return std::nullopt;
    }
    return root;
  }

  // Decode, interpolate, validate against the schema and canonicalize; cached per path.
  std::optional<Node> read_file(const std::string& path, const Env& env) {
    std::string shown = display_name(path);
    Result<std::string> content = fs_.read(path);
    if (!content) {
      diags_.add(Diagnostic{shown, 0, 0, "",
                            content.error().code() == ErrorCode::NotFound
                                ? "no such file"
                                : content.error().message()});
      return std::nullopt;
    }
    auto file = std::make_shared<const std::string>(shown);
    std::size_t before = diags_.size();
    std::optional<Node> root;
    if (auto cached = parsed_.find(path); cached != parsed_.end()) {
      root = std::move(cached->second);
      parsed_.erase(cached);
    } else {
      root = read_yaml(*content, file, diags_);
    }
    if (!root) {
      return std::nullopt;
    }
    if (root->is_null()) {
      diags_.add(root->mark, "", "empty compose file");
      return std::nullopt;
    }
    if (!root->is_mapping()) {
      diags_.add(root->mark, "",
                 "the top level must be a mapping, not " + std::string(root->describe_type()));
      return std::nullopt;
    }
    if (opts_.interpolate) {
      interpolate_tree(*root, env, "");
    }
    compose_schema().validate(*root, diags_);
    if (diags_.size() != before) {
      return std::nullopt;
    }
    if (const MapEntry* version = root->find_entry("version")) {
      warnings_.push_back(Diagnostic::at(version->key_mark, "version",
                                         "the attribute `version` is obsolete, it will be "
                                         "ignored, please remove it to avoid potential "
                                         "confusion"));
      root->erase("version");
    }
    canonicalize_file(*root, diags_, CanonicalOptions{!opts_.interpolate, &warnings_});
    if (diags_.size() != before) {
      return std::nullopt;
    }
    return root;
  }

  void interpolate_tree(Node& n, const Env& env, const std::string& path) {
    if (n.is_mapping()) {
      for (auto& e : n.entries) {
        interpolate_tree(e.value, env, join_path(path, e.key));
      }
      return;
    }
    if (n.is_sequence()) {
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        interpolate_tree(n.items[i], env, index_path(path, i));
      }
      return;
    }
    if (n.type != ScalarType::String || n.text.find('$') == std::string::npos) {
      return;
    }
    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
      std::string key(name);
      referenced_.insert(key);
      if (auto it = env.find(key); it != env.end()) {
        return it->second;
      }
      return std::nullopt;
    };
    Result<InterpolationOutcome> result = interpolate(n.text, lookup);
    if (!result) {
      diags_.add(n.mark, path, result.error().message());
      return;
    }
    for (const auto& var : result->unset) {
      warnings_.push_back(Diagnostic::at(
          n.mark, path, "the \"" + var + "\" variable is not set, defaulting to a blank string"));
    }
    n.text = std::move(result->value);
    if (!n.quoted) {
      ScalarType t = resolve_plain_scalar(n.text);
      n.type = (t == ScalarType::Int || t == ScalarType::Bool) ? t : ScalarType::String;
    }
  }

  // --- include -----------------------------------------------------------------------------

  void apply_includes(Node& root, const Node& include, const std::string& file, const Env& env,
                      const std::vector<std::string>& stack) {
    const std::string dir = paths::dirname(file);
    for (std::size_t i = 0; i < include.items.size(); ++i) {
      const Node& item = include.items[i];
      const std::string p = index_path("include", i);
      std::vector<std::string> files;
      std::optional<std::string> project_directory;
      std::vector<std::string> env_files;
      auto strings_of = [](const Node& n) {
        std::vector<std::string> out;
        if (n.is_scalar()) {
          out.push_back(n.text);
        }
        for (const auto& s : n.items) {
          out.push_back(s.text);
        }
        return out;
      };
      if (item.is_scalar()) {
        files.push_back(item.text);
      } else {
        if (const Node* path = item.find("path")) {
          files = strings_of(*path);
        }
        if (const Node* pd = item.find("project_directory")) {
          project_directory = pd->text;
        }
        if (const Node* ef = item.find("env_file")) {
          env_files = strings_of(*ef);
        }
      }
      if (files.empty()) {
        diags_.add(item.mark, p, "include needs a path");
        continue;
      }
      for (auto& f : files) {
        f = paths::join(dir, f);
      }
      std::string inc_dir =
          project_directory ? paths::join(dir, *project_directory) : paths::dirname(files.front());
      Env inc_env;
      if (env_files.empty()) {
        read_env_file(paths::join(inc_dir, ".env"), false, inc_env);
      }
      for (const auto& ef : env_files) {
        read_env_file(paths::join(dir, ef), true, inc_env);
      }
      for (const auto& [k, v] : env) {
        inc_env[k] = v;
      }
      std::optional<Node> merged;
      for (const auto& f : files) {
        std::optional<Node> layer = load_layer(f, inc_env, inc_dir, stack, &item, p);
        if (!layer) {
          continue;
        }
        if (!merged) {
          merged = std::move(layer);
          strip_merge_tags(*merged);
        } else {
          merge_project(*merged, std::move(*layer));
        }
      }
      if (!merged) {
        continue;
      }
      for (const char* kind : {"services", "networks", "volumes", "secrets", "configs"}) {
        Node* imported = merged->find(kind);
        if (!imported || !imported->is_mapping()) {
          continue;
        }
        Node* local = root.find(kind);
        if (!local) {
          local = &root.set(kind, Node::mapping(item.mark));
        }
        for (auto& e : imported->entries) {
          if (const MapEntry* existing = local->find_entry(e.key)) {
            diags_.add(existing->key_mark, std::string(kind) + "." + e.key,
                       "conflicts with the " + std::string(kind).substr(0, std::strlen(kind) - 1) +
                           " of the same name imported from " + e.key_mark.file_name());
            continue;
          }
          local->set(e.key, std::move(e.value), e.key_mark);
        }
      }
    }
  }

  // --- extends -----------------------------------------------------------------------------

  void resolve_extends(Node& root, const std::string& file, const Env& env) {
    Node* services = root.find("services");
    if (!services || !services->is_mapping()) {
      return;
    }
    for (auto& e : services->entries) {
      if (!e.value.is_mapping() || !e.value.find("extends")) {
        continue; // nothing to resolve, and resolve_service's lookup by name is a scan
      }
      std::vector<std::string> chain;
      resolve_service(*services, e.key, file, env, chain);
    }
  }

  void resolve_service(Node& services, const std::string& name, const std::string& file,
                       const Env& env, std::vector<std::string>& chain) {
    Node* svc = services.find(name);
    if (!svc || !svc->is_mapping()) {
      return;
    }
    Node* ext = svc->find("extends");
    if (!ext || !ext->is_mapping()) {
      return;
    }
    const std::string id = display_name(file) + ":" + name;
    if (std::find(chain.begin(), chain.end(), id) != chain.end()) {
      std::string cycle;
      for (const auto& c : chain) {
        cycle += c + " -> ";
      }
      diags_.add(ext->mark, "services." + name + ".extends", "extends cycle: " + cycle + id);
      svc->erase("extends");
      return;
    }
    chain.push_back(id);
    const Node* base_name = ext->find("service");
    const Node* base_file = ext->find("file");
    const std::string base_service = base_name ? base_name->text : std::string();
    const std::string ext_path = "services." + name + ".extends";
    Node base;
    if (!base_file) {
      resolve_service(services, base_service, file, env, chain);
      svc = services.find(name);
      const Node* found = services.find(base_service);
      if (!found) {
        diags_.add(ext->mark, ext_path + ".service",
                   "extends undefined service \"" + base_service + "\"");
        svc->erase("extends");
        chain.pop_back();
        return;
      }
      base = *found;
    } else {
      std::string other = paths::join(paths::dirname(file), base_file->text);
      Node* other_services = extends_file(other, env, base_file->mark, ext_path + ".file", chain);
      svc = services.find(name);
      if (!other_services) {
        svc->erase("extends");
        chain.pop_back();
        return;
      }
      resolve_service(*other_services, base_service, other, env, chain);
      const Node* found = other_services->find(base_service);
      if (!found) {
        diags_.add(base_file->mark, ext_path + ".service",
                   "extends undefined service \"" + base_service + "\" in " + display_name(other));
        svc->erase("extends");
        chain.pop_back();
        return;
      }
      base = *found;
    }
    chain.pop_back();
    base.erase("extends");
    svc->erase("extends");
    merge_service(base, std::move(*svc));
    *svc = std::move(base);
  }

  Node* extends_file(const std::string& path, const Env& env, const Mark& at,
                     const std::string& key_path, const std::vector<std::string>&) {
    auto it = extends_cache_.find(path);
    if (it == extends_cache_.end()) {
      if (!fs_.is_file(path)) {
        diags_.add(at, key_path, "extends file " + display_name(path) + " not found");
        return nullptr;
      }
      std::optional<Node> root = read_file(path, env);
      if (!root) {
        return nullptr;
      }
      resolve_relative_paths(*root, paths::dirname(path), home());
      it = extends_cache_.emplace(path, std::move(*root)).first;
    }
    Node* services = it->second.find("services");
    if (!services) {
      it->second.set("services", Node::mapping(at));
      services = it->second.find("services");
    }
    return services;
  }

  // --- relative paths ----------------------------------------------------------------------

  const LoadOptions& opts_;
  const FileSource& fs_;
  Diagnostics diags_;
  std::vector<Diagnostic> warnings_;
  std::set<std::string> referenced_;
  std::vector<std::string> env_files_used_;
  std::map<std::string, Node> extends_cache_;
  std::map<std::string, Node> parsed_; ///< first-pass trees of the -f files, see name_from_files
  std::string project_dir_;
};

} // namespace

std::string normalize_project_name(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_' || l == '-') {
      out += l;
    }
  }
  std::size_t start = out.find_first_not_of("_-");
  return start == std::string::npos ? std::string() : out.substr(start);
}

Result<LoadedProject> load_project(const LoadOptions& options, const FileSource& files) {
  return Loader(options, files).run();
}

} // namespace aic::compose
