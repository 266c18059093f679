#include "compose/normalize.hpp"

#include "compose/dotenv.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <utility>

namespace aic::compose {
namespace {

/// Longer service names are refused: they end up in container names (the engine takes any
/// length) and DNS aliases (63 per label; kept loose, as Compose sets no limit).
constexpr std::size_t kMaxServiceName = 255;

// Service keys aic refuses rather than ignores: they need behaviour aic does not have yet.
constexpr std::string_view kRefusedServiceKeys[] = {
    "develop",    "provider",       "models",          "post_start",        "pre_stop",
    "label_file", "use_api_socket", "credential_spec", "pull_refresh_after"};

// deploy keys that only Swarm reads; Compose ignores them, aic says so.
constexpr std::string_view kSwarmOnlyDeployKeys[] = {
    "mode", "placement", "update_config", "rollback_config", "endpoint_mode", "labels"};

constexpr std::string_view kRestartPolicies[] = {"no", "always", "unless-stopped", "on-failure"};

// deploy.restart_policy.condition: Swarm's three, and the engine's names Compose also maps.
constexpr std::string_view kRestartConditions[] = {"none", "on-failure", "any",
                                                   "no",   "always",     "unless-stopped"};

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += (i ? " " : "") + v[i];
  }
  return out + "]";
}

std::vector<std::string> texts(const Node* n) {
  std::vector<std::string> out;
  if (n && n->is_sequence()) {
    for (const auto& i : n->items) {
      out.push_back(i.text);
    }
  }
  return out;
}

std::string service_ref(std::string_view value) {
  constexpr std::string_view kPrefix = "service:";
  return value.substr(0, kPrefix.size()) == kPrefix ? std::string(value.substr(kPrefix.size()))
                                                    : std::string();
}

class Normalizer {
public:
  Normalizer(Node& model, const NormalizeContext& ctx, Diagnostics& diags,
             std::vector<Diagnostic>& warnings)
      : model_(model), ctx_(ctx), diags_(diags), warnings_(warnings) {}

  void run(std::vector<std::string>& disabled) {
    model_.set("name", Node::string(ctx_.project_name));
    if (const MapEntry* models = model_.find_entry("models")) {
      diags_.add(models->key_mark, "models", "not supported by aic");
    }
    Node* services = model_.find("services");
    if (!services) {
      services = &model_.set("services", Node::mapping());
    }
    services_ = services;
    for (auto& e : services->entries) {
      if (e.key.size() > kMaxServiceName) {
        diags_.add(e.key_mark, "services." + e.key.substr(0, 40) + "…",
                   "a service name may be at most " + std::to_string(kMaxServiceName) +
                       " characters, not " + std::to_string(e.key.size()) +
                       " (it becomes part of container names and network aliases)");
        continue;
      }
      service(e.key, e.value);
    }
    resources("networks");
    resources("volumes");
    file_resources("secrets");
    file_resources("configs");
    // Adding top-level networks may have moved the model's entries.
    services_ = model_.find("services");
    apply_profiles(disabled);
    check_references();
    check_cycles();
    select_services();
  }

private:
  // --- one service -------------------------------------------------------------------------

  void service(const std::string& name, Node& svc) {
    const std::string path = "services." + name;
    for (auto refused : kRefusedServiceKeys) {
      if (const MapEntry* e = svc.find_entry(refused)) {
        diags_.add(e->key_mark, join_path(path, refused), "not supported by aic");
      }
    }
    if (!svc.find("image") && !svc.find("build")) {
      diags_.add(svc.mark, path, "has neither an image nor a build context specified");
    }
    if (Node* build = svc.find("build")) {
      if (!build->find("context")) {
        build->set("context", Node::string(ctx_.project_dir, build->mark));
      }
      if (!build->find("dockerfile") && !build->find("dockerfile_inline")) {
        build->set("dockerfile", Node::string("Dockerfile", build->mark));
      }
    }
    environment(path, svc);
    if (const Node* restart = svc.find("restart");
        restart && restart->is_scalar() && !restart->text.empty()) {
      std::string_view policy = restart->text;
      if (policy.rfind("on-failure:", 0) == 0) {
        policy = "on-failure";
      }
      if (std::find(std::begin(kRestartPolicies), std::end(kRestartPolicies), policy) ==
          std::end(kRestartPolicies)) {
        diags_.add(restart->mark, path + ".restart",
                   "invalid restart policy \"" + restart->text +
                       "\": use \"no\", \"always\", \"on-failure[:N]\" or \"unless-stopped\"");
      }
    }
    if (Node* deploy = svc.find("deploy")) {
      for (auto key : kSwarmOnlyDeployKeys) {
        if (const MapEntry* e = deploy->find_entry(key)) {
          if (key == "mode" && e->value.text == "replicated") {
            continue;
          }
          warnings_.push_back(Diagnostic::at(e->key_mark, path + ".deploy." + std::string(key),
                                             "ignored: only Docker Swarm uses it"));
        }
      }
      if (const Node* policy = deploy->find("restart_policy")) {
        if (const Node* cond = policy->find("condition");
            cond && !cond->text.empty() &&
            std::find(std::begin(kRestartConditions), std::end(kRestartConditions), cond->text) ==
                std::end(kRestartConditions)) {
          diags_.add(cond->mark, path + ".deploy.restart_policy.condition",
                     "must be \"none\", \"on-failure\", \"any\", \"no\", \"always\" or "
                     "\"unless-stopped\", not \"" +
                         cond->text + "\"");
        }
      }
    }
    const Node* network_mode = svc.find("network_mode");
    if (network_mode && svc.find("networks")) {
      diags_.add(network_mode->mark, path + ".network_mode",
                 "network_mode and networks cannot be used together");
    }
    if (!network_mode && !svc.find("networks")) {
      Node networks = Node::mapping(svc.mark);
      networks.set("default", Node::null(svc.mark));
      svc.set("networks", std::move(networks));
    }
    if (const Node* networks = svc.find("networks")) {
      for (const auto& n : networks->entries) {
        if (n.key == "default") {
          uses_default_network_ = true;
        }
      }
    }
    // A negative count would silently run nothing; aic's --scale and the API refuse one too.
    const Node* deploy_section = svc.find("deploy");
    const std::pair<const Node*, const char*> counts[] = {
        {svc.find("scale"), ".scale"},
        {deploy_section ? deploy_section->find("replicas") : nullptr, ".deploy.replicas"}};
    for (const auto& [count, key] : counts) {
      if (count && count->type == ScalarType::Int && parse_yaml_int(count->text).value_or(0) < 0) {
        diags_.add(count->mark, path + key, "must be 0 or more, not " + count->text);
      }
    }
    if (const Node* scale = svc.find("scale")) {
      const Node* deploy_node = svc.find("deploy");
      const Node* replicas = deploy_node ? deploy_node->find("replicas") : nullptr;
      if (replicas && replicas->type == ScalarType::Int && scale->type == ScalarType::Int &&
          parse_yaml_int(replicas->text) != parse_yaml_int(scale->text)) {
        diags_.add(scale->mark, path + ".scale",
                   "scale (" + scale->text + ") and deploy.replicas (" + replicas->text +
                       ") disagree: set one of them");
      }
    }
    if (const Node* container_name = svc.find("container_name")) {
      long long scale = 1;
      if (const Node* s = svc.find("scale"); s && s->type == ScalarType::Int) {
        scale = parse_yaml_int(s->text).value_or(1);
      } else if (const Node* d = svc.find("deploy")) {
        if (const Node* r = d->find("replicas"); r && r->type == ScalarType::Int) {
          scale = parse_yaml_int(r->text).value_or(1);
        }
      }
      if (scale > 1) {
        diags_.add(container_name->mark, path + ".container_name",
                   "container_name \"" + container_name->text + "\" cannot be used with " +
                       std::to_string(scale) + " replicas: container names must be unique");
      }
    }
    implicit_dependencies(name, path, svc);
  }

  void environment(const std::string& path, Node& svc) {
    Node folded = Node::mapping(svc.mark);
    if (Node* env_file = svc.find("env_file")) {
      for (std::size_t i = 0; i < env_file->items.size(); ++i) {
        const Node& item = env_file->items[i];
        const Node* file = item.find("path");
        const Node* required = item.find("required");
        if (!file) {
          continue;
        }
        bool must = !required || required->text == "true";
        if (!ctx_.files->is_file(file->text)) {
          if (must) {
            diags_.add(file->mark, index_path(path + ".env_file", i),
                       "env file " + file->text + " not found");
          }
          continue;
        }
        Result<std::string> content = ctx_.files->read(file->text);
        if (!content) {
          diags_.add(file->mark, index_path(path + ".env_file", i), content.error().message());
          continue;
        }
        Result<std::vector<EnvVar>> vars = parse_dotenv(*content, lookup_fn());
        if (!vars) {
          diags_.add(file->mark, index_path(path + ".env_file", i),
                     file->text + ": " + vars.error().message());
          continue;
        }
        for (auto& v : *vars) {
          folded.set(v.name, Node::string(std::move(v.value), file->mark), file->mark);
        }
      }
      svc.erase("env_file");
    }
    if (Node* env = svc.find("environment")) {
      for (auto& e : env->entries) {
        if (e.value.is_null()) {
          if (auto value = lookup_fn()(e.key)) {
            e.value = Node::string(*value, e.value.mark);
          }
        }
        folded.set(e.key, std::move(e.value), e.key_mark);
      }
    }
    if (!folded.entries.empty()) {
      svc.set("environment", std::move(folded));
    }
  }

  std::function<std::optional<std::string>(std::string_view)> lookup_fn() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      std::string key(name);
      if (ctx_.referenced) {
        ctx_.referenced->insert(key);
      }
      if (ctx_.environment) {
        if (auto it = ctx_.environment->find(key); it != ctx_.environment->end()) {
          return it->second;
        }
      }
      return std::nullopt;
    };
  }

  // `service` is the dependent's name; the dependency is remembered as implicit so that a
  // missing target is reported once, at the key the user wrote (links, network_mode, ...).
  void add_dependency(const std::string& service, Node& svc, const std::string& target,
                      bool restart, const Mark& at) {
    Node* deps = svc.find("depends_on");
    if (!deps) {
      deps = &svc.set("depends_on", Node::mapping(at));
    }
    if (deps->find(target)) {
      return;
    }
    Node dep = Node::mapping(at);
    dep.set("condition", Node::string("service_started", at));
    if (restart) {
      dep.set("restart", Node::boolean(true, at));
    }
    dep.set("required", Node::boolean(true, at));
    deps->set(target, std::move(dep), at);
    implicit_.emplace(service, target);
  }

  void implicit_dependencies(const std::string& name, const std::string& path, Node& svc) {
    // add_dependency may insert `depends_on` into svc.entries, which invalidates pointers into
    // it, so the lists walked here are copies.
    if (const Node* found = svc.find("links")) {
      const std::vector<Node> links = found->items;
      for (std::size_t i = 0; i < links.size(); ++i) {
        const Node& l = links[i];
        std::string target = l.text.substr(0, l.text.find(':'));
        refs_.push_back({index_path(path + ".links", i), target, l.mark});
        add_dependency(name, svc, target, true, l.mark);
      }
    }
    // As compose-go's normalization: links and shared namespaces restart with their target.
    for (const char* key : {"network_mode", "ipc", "pid", "uts", "cgroup"}) {
      if (const Node* mode = svc.find(key)) {
        if (std::string target = service_ref(mode->text); !target.empty()) {
          Mark at = mode->mark;
          refs_.push_back({path + "." + key, target, at});
          add_dependency(name, svc, target, true, at);
        }
      }
    }
    if (const Node* found = svc.find("volumes_from")) {
      const std::vector<Node> from = found->items;
      for (std::size_t i = 0; i < from.size(); ++i) {
        const Node& v = from[i];
        if (v.text.rfind("container:", 0) == 0) {
          continue;
        }
        std::string target = v.text.substr(0, v.text.find(':'));
        refs_.push_back({index_path(path + ".volumes_from", i), target, v.mark});
        add_dependency(name, svc, target, false, v.mark);
      }
    }
  }

  // --- top-level resources -----------------------------------------------------------------

  void resources(const char* kind) {
    Node* list = model_.find(kind);
    if (std::string_view(kind) == "networks" && uses_default_network_) {
      if (!list) {
        list = &model_.set(kind, Node::mapping());
      }
      if (!list->find("default")) {
        list->set("default", Node::mapping());
      }
    }
    if (!list) {
      return;
    }
    for (auto& e : list->entries) {
      if (e.value.is_null()) {
        e.value = Node::mapping(e.key_mark);
      }
      const Node* external = e.value.find("external");
      bool is_external = external && external->text == "true";
      if (!e.value.find("name")) {
        e.value.set("name", Node::string(is_external ? e.key : ctx_.project_name + "_" + e.key,
                                         e.key_mark));
      }
    }
  }

  void file_resources(const char* kind) {
    Node* list = model_.find(kind);
    if (!list) {
      return;
    }
    const bool is_config = std::string_view(kind) == "configs";
    for (auto& e : list->entries) {
      const std::string path = std::string(kind) + "." + e.key;
      for (const char* refused : {"driver", "template_driver"}) {
        if (const MapEntry* r = e.value.find_entry(refused)) {
          diags_.add(r->key_mark, join_path(path, refused),
                     "not supported: Compose only reads file, environment" +
                         std::string(is_config ? ", content" : "") + " and external sources");
        }
      }
      if (Node* external = e.value.find("external"); external && external->is_mapping()) {
        if (const Node* legacy_name = external->find("name");
            legacy_name && !e.value.find("name")) {
          Node copy = *legacy_name;
          e.value.set("name", std::move(copy));
        }
        *e.value.find("external") = Node::boolean(true, e.key_mark);
      }
      const Node* external = e.value.find("external");
      bool is_external = external && external->text == "true";
      if (!is_external && !e.value.find("file") && !e.value.find("environment") &&
          !(is_config && e.value.find("content"))) {
        diags_.add(e.key_mark, path,
                   std::string("needs one of file, environment") + (is_config ? ", content" : "") +
                       " or external");
      }
      if (!e.value.find("name")) {
        e.value.set("name", Node::string(is_external ? e.key : ctx_.project_name + "_" + e.key,
                                         e.key_mark));
      }
    }
  }

  // --- profiles and references -------------------------------------------------------------

  void apply_profiles(std::vector<std::string>& disabled) {
    std::vector<std::string> active = ctx_.active_profiles;
    for (const auto& selected : ctx_.selected_services) {
      if (const Node* svc = services_->find(selected)) {
        for (auto& p : texts(svc->find("profiles"))) {
          active.push_back(p);
        }
      }
    }
    const bool all = contains(active, "*");
    for (auto& e : services_->entries) {
      std::vector<std::string> profiles = texts(e.value.find("profiles"));
      bool enabled = profiles.empty() || all;
      for (const auto& p : profiles) {
        enabled = enabled || contains(active, p);
      }
      if (!enabled) {
        disabled_profiles_[e.key] = profiles;
      }
    }
    for (const auto& [name, _] : disabled_profiles_) {
      disabled.push_back(name);
    }
    // Dependencies on disabled services are checked before those services leave the model.
    for (auto& e : services_->entries) {
      if (disabled_profiles_.count(e.key)) {
        continue;
      }
      Node* deps = e.value.find("depends_on");
      if (!deps) {
        continue;
      }
      std::vector<std::string> drop;
      for (const auto& d : deps->entries) {
        const Node* required = d.value.find("required");
        bool must = !required || required->text == "true";
        const std::string path = "services." + e.key + ".depends_on." + d.key;
        auto off = disabled_profiles_.find(d.key);
        if (off != disabled_profiles_.end()) {
          if (must) {
            diags_.add(d.key_mark, path,
                       "service \"" + d.key + "\" is required by \"" + e.key +
                           "\" but is disabled. Can be enabled by profiles " +
                           quoted_list(off->second));
          } else {
            drop.push_back(d.key);
          }
        } else if (!services_->find(d.key)) {
          if (implicit_.count({e.key, d.key}) != 0) {
            continue; // check_references names the key that made the dependency
          }
          if (must) {
            diags_.add(d.key_mark, path, "depends on undefined service \"" + d.key + "\"");
          } else {
            warnings_.push_back(Diagnostic::at(d.key_mark, path,
                                               "optional dependency \"" + d.key +
                                                   "\" is not defined, ignoring it"));
            drop.push_back(d.key);
          }
        }
      }
      for (const auto& d : drop) {
        deps->erase(d);
      }
    }
    services_->entries.erase(
        std::remove_if(services_->entries.begin(), services_->entries.end(),
                       [&](const MapEntry& e) { return disabled_profiles_.count(e.key) != 0; }),
        services_->entries.end());
  }

  void check_references() {
    for (const auto& r : refs_) {
      if (!services_->find(r.target) && !disabled_profiles_.count(r.target)) {
        diags_.add(r.mark, r.path, "refers to undefined service \"" + r.target + "\"");
      }
    }
    const Node* networks = model_.find("networks");
    const Node* volumes = model_.find("volumes");
    for (const auto& e : services_->entries) {
      const std::string path = "services." + e.key;
      if (const Node* nets = e.value.find("networks")) {
        for (const auto& n : nets->entries) {
          if (!networks || !networks->find(n.key)) {
            diags_.add(n.key_mark, path + ".networks." + n.key,
                       "refers to undefined network \"" + n.key + "\"");
          }
        }
      }
      if (const Node* vols = e.value.find("volumes")) {
        for (std::size_t i = 0; i < vols->items.size(); ++i) {
          const Node& v = vols->items[i];
          const Node* type = v.find("type");
          const Node* source = v.find("source");
          if (type && type->text == "volume" && source && !source->text.empty() &&
              (!volumes || !volumes->find(source->text))) {
            diags_.add(v.mark, index_path(path + ".volumes", i),
                       "refers to undefined volume \"" + source->text + "\"");
          }
        }
      }
      for (const char* kind : {"secrets", "configs"}) {
        const Node* declared = model_.find(kind);
        if (const Node* refs = e.value.find(kind)) {
          for (std::size_t i = 0; i < refs->items.size(); ++i) {
            const Node* source = refs->items[i].find("source");
            if (source && (!declared || !declared->find(source->text))) {
              diags_.add(refs->items[i].mark, index_path(path + "." + kind, i),
                         "refers to undefined " + std::string(kind).substr(0, 6) + " \"" +
                             source->text + "\"");
            }
          }
        }
      }
    }
  }

  void check_cycles() {
    enum class Mark : std::uint8_t { New, Active, Done };
    std::map<std::string, Mark> state;
    std::vector<std::string> stack;
    std::map<std::string, const Node*> by_name; // services_->find is a scan per call
    for (const auto& e : services_->entries) {
      by_name.emplace(e.key, &e.value);
    }
    auto service_named = [&by_name](const std::string& name) -> const Node* {
      const auto it = by_name.find(name);
      return it == by_name.end() ? nullptr : it->second;
    };
    std::function<bool(const std::string&)> visit = [&](const std::string& name) {
      Mark& m = state[name];
      if (m == Mark::Done) {
        return false;
      }
      if (m == Mark::Active) {
        auto from = std::find(stack.begin(), stack.end(), name);
        std::string cycle;
        for (auto it = from; it != stack.end(); ++it) {
          cycle += *it + " -> ";
        }
        cycle += name;
        // Point at the first edge of the cycle: the depends_on entry (or the links,
        // network_mode, ... item that implied it) of the cycle's first service.
        const std::string& next = from + 1 != stack.end() ? *(from + 1) : name;
        const Node* deps =
            service_named(*from) ? service_named(*from)->find("depends_on") : nullptr;
        const MapEntry* edge = deps ? deps->find_entry(next) : nullptr;
        diags_.add(edge ? edge->key_mark : model_.mark, "services." + *from + ".depends_on." + next,
                   "dependency cycle: " + cycle);
        return true;
      }
      m = Mark::Active;
      stack.push_back(name);
      const Node* svc = service_named(name);
      bool found = false;
      for (const auto& dep : svc ? service_dependencies(*svc) : std::vector<std::string>{}) {
        if (service_named(dep) && visit(dep)) {
          found = true;
          break;
        }
      }
      stack.pop_back();
      state[name] = Mark::Done;
      return found;
    };
    std::vector<std::string> names;
    for (const auto& e : services_->entries) {
      names.push_back(e.key);
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      if (visit(n)) {
        return; // one cycle is enough to explain; the rest usually share it
      }
    }
  }

  void select_services() {
    if (ctx_.selected_services.empty()) {
      return;
    }
    std::set<std::string> keep;
    std::vector<std::string> todo;
    for (const auto& s : ctx_.selected_services) {
      if (!services_->find(s)) {
        diags_.add(Diagnostic{"", 0, 0, "", "no such service: " + s});
        continue;
      }
      todo.push_back(s);
    }
    while (!todo.empty()) {
      std::string s = todo.back();
      todo.pop_back();
      if (!keep.insert(s).second) {
        continue;
      }
      if (const Node* svc = services_->find(s)) {
        for (const auto& d : service_dependencies(*svc)) {
          todo.push_back(d);
        }
      }
    }
    services_->entries.erase(std::remove_if(services_->entries.begin(), services_->entries.end(),
                                            [&](const MapEntry& e) { return !keep.count(e.key); }),
                             services_->entries.end());
  }

  struct Reference {
    std::string path;
    std::string target;
    compose::Mark mark;
  };

  Node& model_;
  const NormalizeContext& ctx_;
  Diagnostics& diags_;
  std::vector<Diagnostic>& warnings_;
  Node* services_ = nullptr;
  bool uses_default_network_ = false;
  std::vector<Reference> refs_;
  std::map<std::string, std::vector<std::string>> disabled_profiles_;
  std::set<std::pair<std::string, std::string>> implicit_; // (service, dependency) we added
};

} // namespace

std::vector<std::string> service_dependencies(const Node& service) {
  std::vector<std::string> out;
  if (const Node* deps = service.find("depends_on")) {
    for (const auto& d : deps->entries) {
      out.push_back(d.key);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void normalize_project(Node& model, const NormalizeContext& ctx, Diagnostics& diags,
                       std::vector<Diagnostic>& warnings, std::vector<std::string>& disabled) {
  Normalizer(model, ctx, diags, warnings).run(disabled);
}

} // namespace aic::compose
