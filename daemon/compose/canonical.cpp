#include "compose/canonical.hpp"

#include "compose/shell_split.hpp"
#include "compose/short_syntax.hpp"
#include "compose/units.hpp"

#include <charconv>
#include <optional>

namespace aic::compose {
namespace {

class Canonicalizer {
public:
  Canonicalizer(Diagnostics& diags, const CanonicalOptions& options)
      : diags_(diags), options_(options) {}

  void file(Node& root) {
    if (!root.is_mapping()) {
      return;
    }
    if (Node* services = root.find("services"); services && services->is_mapping()) {
      for (auto& e : services->entries) {
        if (!skip(e.value)) {
          service(e.value, "services." + e.key);
        }
      }
    }
    for (const char* kind : {"networks", "volumes"}) {
      if (Node* resources = root.find(kind); resources && resources->is_mapping()) {
        for (auto& e : resources->entries) {
          if (!skip(e.value)) {
            network_or_volume(e.value, std::string(kind) + "." + e.key);
          }
        }
      }
    }
    for (const char* kind : {"secrets", "configs"}) {
      if (Node* resources = root.find(kind); resources && resources->is_mapping()) {
        for (auto& e : resources->entries) {
          if (Node* labels = e.value.find("labels"); labels && !skip(*labels)) {
            dict(*labels, std::string(kind) + "." + e.key + ".labels", false);
          }
        }
      }
    }
  }

  void service(Node& svc, const std::string& path) {
    if (!svc.is_mapping()) {
      return;
    }
    for (auto& e : svc.entries) {
      Node& v = e.value;
      if (skip(v)) {
        continue;
      }
      const std::string p = join_path(path, e.key);
      const std::string& k = e.key;
      if (k == "build") {
        build(v, p);
      } else if (k == "command" || k == "entrypoint") {
        command(v, p);
      } else if (k == "depends_on") {
        depends_on(v, p);
      } else if (k == "env_file") {
        env_file(v, p);
      } else if (k == "environment") {
        dict(v, p, true);
      } else if (k == "labels" || k == "annotations" || k == "sysctls") {
        dict(v, p, false);
      } else if (k == "extra_hosts") {
        extra_hosts(v, p);
      } else if (k == "ports") {
        ports(v, p);
      } else if (k == "expose") {
        strings(v);
      } else if (k == "volumes") {
        volumes(v, p);
      } else if (k == "secrets" || k == "configs") {
        file_references(v);
      } else if (k == "networks") {
        service_networks(v);
      } else if (k == "extends") {
        if (v.is_scalar()) {
          Node m = Node::mapping(v.mark);
          m.set("service", Node::string(v.text, v.mark));
          v = std::move(m);
        }
      } else if (k == "healthcheck") {
        healthcheck(v, p);
      } else if (k == "stop_grace_period") {
        duration(v, p);
      } else if (k == "tmpfs" || k == "dns" || k == "dns_search" || k == "dns_opt") {
        string_or_list(v);
      } else if (k == "gpus") {
        gpus(v, p);
      } else if (k == "deploy") {
        deploy(v, p);
      } else if (k == "mem_limit" || k == "mem_reservation" || k == "memswap_limit" ||
                 k == "shm_size") {
        byte_size(v, p);
      } else if (k == "scale" || k == "cpu_shares" || k == "cpu_quota" || k == "cpu_period" ||
                 k == "cpu_count" || k == "cpu_percent" || k == "cpu_rt_period" ||
                 k == "cpu_rt_runtime" || k == "pids_limit" || k == "oom_score_adj" ||
                 k == "mem_swappiness") {
        integer(v, p);
      } else if (k == "cpus") {
        number(v, p);
      } else if (k == "logging") {
        if (Node* opts = v.find("options")) {
          dict(*opts, p + ".options", false);
        }
      }
    }
  }

private:
  static bool skip(const Node& n) { return n.tag == "!reset"; }

  bool keep_as_written(const Node& n) const {
    return options_.keep_uninterpolated && n.is_scalar() && n.text.find('$') != std::string::npos;
  }

  void error(const Node& at, const std::string& path, std::string message) {
    diags_.add(at.mark, path, std::move(message));
  }

  void warn(const Node& at, const std::string& path, std::string message) {
    if (options_.warnings) {
      options_.warnings->push_back(Diagnostic::at(at.mark, path, std::move(message)));
    }
  }

  static void to_string_scalar(Node& n) {
    if (n.is_scalar() && n.type != ScalarType::Null) {
      n.type = ScalarType::String;
    }
  }

  void strings(Node& seq) {
    for (auto& item : seq.items) {
      to_string_scalar(item);
    }
  }

  static void string_or_list(Node& v) {
    if (v.is_scalar() && !v.is_null()) {
      Node seq = Node::sequence(v.mark);
      seq.tag = v.tag;
      v.tag.clear();
      seq.items.push_back(std::move(v));
      to_string_scalar(seq.items.back());
      v = std::move(seq);
    }
  }

  void integer(Node& v, const std::string& path) {
    if (v.is_scalar() && v.type == ScalarType::String && !keep_as_written(v)) {
      long long parsed = 0;
      auto [ptr, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), parsed);
      if (ec != std::errc() || ptr != v.text.data() + v.text.size()) {
        error(v, path, "must be an integer, not \"" + v.text + "\"");
        return;
      }
      v.type = ScalarType::Int;
    }
  }

  // A number given as a string ("0.5") becomes a number; anything else is an error.
  void number(Node& v, const std::string& path) {
    if (!v.is_scalar() || v.type != ScalarType::String || keep_as_written(v)) {
      return;
    }
    ScalarType t = resolve_plain_scalar(v.text);
    if (t != ScalarType::Int && t != ScalarType::Float) {
      error(v, path, "must be a number, not \"" + v.text + "\"");
      return;
    }
    v.type = t;
  }

  void duration(Node& v, const std::string& path) {
    if (!v.is_scalar() || v.is_null() || keep_as_written(v)) {
      return;
    }
    if (v.type == ScalarType::Int) {
      v.type = ScalarType::String; // parse_duration accepts a bare 0 and refuses other numbers
    }
    Result<std::int64_t> ns = parse_duration(v.text);
    if (!ns) {
      error(v, path, ns.error().message());
      return;
    }
    v.text = format_duration(*ns);
    v.type = ScalarType::String;
  }

  void byte_size(Node& v, const std::string& path) {
    if (!v.is_scalar() || v.is_null() || keep_as_written(v)) {
      return;
    }
    if (v.type == ScalarType::Int && !v.text.empty() && v.text[0] == '-') {
      v.type = ScalarType::String; // memswap_limit: -1 means unlimited
      return;
    }
    Result<std::int64_t> bytes = parse_byte_size(v.text);
    if (!bytes) {
      error(v, path, bytes.error().message());
      return;
    }
    v.text = std::to_string(*bytes);
    v.type = ScalarType::String;
  }

  // list_or_dict: ["K=V", "K"] or {K: V} into {K: "V"}; a bare K maps to null for environment
  // (resolved later from the project environment) and to "" for labels.
  void dict(Node& v, const std::string& path, bool bare_is_null) {
    if (v.is_sequence()) {
      Node m = Node::mapping(v.mark);
      m.tag = v.tag;
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        const Node& item = v.items[i];
        if (!item.is_scalar()) {
          error(item, index_path(path, i),
                "must be a string, not " + std::string(item.describe_type()));
          continue;
        }
        std::string_view text = item.text;
        std::size_t eq = text.find('=');
        std::string key(text.substr(0, eq));
        if (key.empty()) {
          error(item, index_path(path, i), "missing variable name in \"" + item.text + "\"");
          continue;
        }
        Node value = eq == std::string_view::npos
                         ? (bare_is_null ? Node::null(item.mark) : Node::string("", item.mark))
                         : Node::string(std::string(text.substr(eq + 1)), item.mark);
        m.set(std::move(key), std::move(value), item.mark);
      }
      v = std::move(m);
      return;
    }
    if (v.is_mapping()) {
      for (auto& e : v.entries) {
        if (e.value.is_null()) {
          if (!bare_is_null) {
            e.value = Node::string("", e.value.mark);
          }
        } else if (e.value.is_scalar()) {
          to_string_scalar(e.value);
        }
      }
    }
  }

  // extra_hosts as docker compose prints it: a list of "HOST=IP", one entry per address, from a
  // list of HOST=IP / HOST:IP or a map of HOST to an address or a list of addresses.
  void extra_hosts(Node& v, const std::string& path) {
    Node out = Node::sequence(v.mark);
    out.tag = v.tag;
    auto add = [&](const std::string& host, const Node& ip) {
      std::string address = ip.text;
      if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
      }
      out.items.push_back(Node::string(host + "=" + address, ip.mark));
    };
    if (v.is_mapping()) {
      for (const auto& e : v.entries) {
        if (e.value.is_sequence()) {
          for (const auto& ip : e.value.items) {
            add(e.key, ip);
          }
        } else {
          add(e.key, e.value);
        }
      }
    } else {
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        const Node& item = v.items[i];
        std::size_t sep = item.text.find('=');
        if (sep == std::string::npos) {
          sep = item.text.find(':');
        }
        if (!item.is_scalar() || sep == std::string::npos || sep == 0) {
          error(item, index_path(path, i),
                "invalid extra host \"" + item.text + "\": expected HOST=IP or HOST:IP");
          continue;
        }
        add(item.text.substr(0, sep), Node::string(item.text.substr(sep + 1), item.mark));
      }
    }
    v = std::move(out);
  }

  void build(Node& v, const std::string& path) {
    if (v.is_scalar()) {
      Node m = Node::mapping(v.mark);
      m.set("context", Node::string(v.text, v.mark));
      v = std::move(m);
      return;
    }
    for (auto& e : v.entries) {
      if (skip(e.value)) {
        continue;
      }
      if (e.key == "args" || e.key == "labels") {
        dict(e.value, join_path(path, e.key), e.key == "args");
      } else if (e.key == "extra_hosts") {
        extra_hosts(e.value, join_path(path, e.key));
      } else if (e.key == "shm_size") {
        byte_size(e.value, join_path(path, e.key));
      }
    }
  }

  void command(Node& v, const std::string& path) {
    if (v.is_scalar() && !v.is_null()) {
      Result<ShellWords> split = shell_split_words(v.text);
      if (!split) {
        error(v, path, split.error().message());
        return;
      }
      if (split->stopped_at != std::string::npos) {
        warn(v, path,
             "the command stops at the shell operator in \"" + v.text.substr(split->stopped_at, 2) +
                 "\" (as in docker compose): use a list, or [\"sh\", \"-c\", \"...\"]");
      }
      Node seq = Node::sequence(v.mark);
      seq.tag = v.tag;
      for (auto& w : split->words) {
        seq.items.push_back(Node::string(std::move(w), v.mark));
      }
      v = std::move(seq);
    } else if (v.is_sequence()) {
      strings(v);
    }
  }

  void depends_on(Node& v, const std::string& path) {
    list_to_keys(v, Node::mapping);
    for (auto& e : v.entries) {
      if (e.value.is_null()) {
        e.value = Node::mapping(e.key_mark);
      }
      if (!e.value.find("condition")) {
        e.value.set("condition", Node::string("service_started", e.key_mark));
      }
      if (!e.value.find("required")) {
        e.value.set("required", Node::boolean(true, e.key_mark));
      }
      boolean(e.value.find("required"), join_path(join_path(path, e.key), "required"));
      if (Node* restart = e.value.find("restart")) {
        boolean(restart, join_path(join_path(path, e.key), "restart"));
      }
    }
  }

  void boolean(Node* v, const std::string& path) {
    if (!v || v->type == ScalarType::Bool || keep_as_written(*v)) {
      return;
    }
    static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "yes", "y", "on", "1"};
    static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "no", "n", "off", "0"};
    for (auto t : kTrue) {
      if (v->text == t) {
        *v = Node::boolean(true, v->mark);
        return;
      }
    }
    for (auto f : kFalse) {
      if (v->text == f) {
        *v = Node::boolean(false, v->mark);
        return;
      }
    }
    error(*v, path, "must be a boolean, not \"" + v->text + "\"");
  }

  void env_file(Node& v, const std::string& path) {
    string_or_list(v);
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      Node& item = v.items[i];
      if (item.is_scalar()) {
        Node m = Node::mapping(item.mark);
        m.set("path", Node::string(item.text, item.mark));
        item = std::move(m);
      }
      if (!item.find("required")) {
        item.set("required", Node::boolean(true, item.mark));
      }
      boolean(item.find("required"), index_path(path, i) + ".required");
    }
  }

  void ports(Node& v, const std::string& path) {
    Node out = Node::sequence(v.mark);
    out.tag = v.tag;
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      Node& item = v.items[i];
      const std::string p = index_path(path, i);
      if (item.is_mapping()) {
        long_port(item, p);
        out.items.push_back(std::move(item));
        continue;
      }
      if (keep_as_written(item)) {
        out.items.push_back(std::move(item));
        continue;
      }
      Result<std::vector<PortSpec>> specs = parse_port(item.text);
      if (!specs) {
        error(item, p, specs.error().message());
        continue;
      }
      for (const auto& spec : *specs) {
        Node m = Node::mapping(item.mark);
        m.set("mode", Node::string(spec.mode, item.mark));
        if (!spec.host_ip.empty()) {
          m.set("host_ip", Node::string(spec.host_ip, item.mark));
        }
        m.set("target", Node::integer(spec.target, item.mark));
        if (!spec.published.empty()) {
          m.set("published", Node::string(spec.published, item.mark));
        }
        m.set("protocol", Node::string(spec.protocol, item.mark));
        out.items.push_back(std::move(m));
      }
    }
    v = std::move(out);
  }

  void long_port(Node& m, const std::string& path) {
    if (Node* target = m.find("target")) {
      integer(*target, path + ".target");
    }
    if (Node* published = m.find("published")) {
      to_string_scalar(*published);
      // Checked here, as the short syntax is: the engine would refuse it only after the
      // project's networks were made.
      if (published->is_string() && !published->text.empty() && !keep_as_written(*published)) {
        if (Result<void> valid = check_published_port(published->text); !valid) {
          error(*published, path + ".published", valid.error().message());
        }
      }
    }
    if (!m.find("protocol")) {
      m.set("protocol", Node::string("tcp", m.mark));
    }
    if (!m.find("mode")) {
      m.set("mode", Node::string("ingress", m.mark));
    }
  }

  void volumes(Node& v, const std::string& path) {
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      Node& item = v.items[i];
      const std::string p = index_path(path, i);
      if (item.is_mapping()) {
        if (Node* target = item.find("target"); target && target->is_scalar()) {
          target->text = clean_path(target->text);
        }
        if (Node* tmpfs = item.find("tmpfs")) {
          if (Node* size = tmpfs->find("size")) {
            byte_size(*size, p + ".tmpfs.size");
          }
        }
        continue;
      }
      if (keep_as_written(item)) {
        continue;
      }
      Result<VolumeSpec> spec = parse_volume(item.text);
      if (!spec) {
        error(item, p, spec.error().message());
        continue;
      }
      for (const auto& ignored : spec->ignored_options) {
        warn(item, p, "ignored volume option \"" + ignored + "\" (as in docker compose)");
      }
      const Mark& mk = item.mark;
      Node m = Node::mapping(mk);
      m.set("type", Node::string(spec->type, mk));
      if (!spec->source.empty()) {
        m.set("source", Node::string(spec->source, mk));
      }
      m.set("target", Node::string(spec->target, mk));
      if (spec->read_only) {
        m.set("read_only", Node::boolean(true, mk));
      }
      if (!spec->consistency.empty()) {
        m.set("consistency", Node::string(spec->consistency, mk));
      }
      if (spec->type == "bind") {
        Node bind = Node::mapping(mk);
        if (!spec->propagation.empty()) {
          bind.set("propagation", Node::string(spec->propagation, mk));
        }
        if (spec->create_host_path) {
          bind.set("create_host_path", Node::boolean(true, mk));
        }
        if (!spec->selinux.empty()) {
          bind.set("selinux", Node::string(spec->selinux, mk));
        }
        m.set("bind", std::move(bind));
      } else if (spec->type == "volume") {
        Node vol = Node::mapping(mk);
        if (spec->nocopy) {
          vol.set("nocopy", Node::boolean(true, mk));
        }
        m.set("volume", std::move(vol));
      }
      item = std::move(m);
    }
  }

  static void file_references(Node& v) {
    for (auto& item : v.items) {
      if (item.is_scalar()) {
        Node m = Node::mapping(item.mark);
        m.set("source", Node::string(item.text, item.mark));
        item = std::move(m);
      }
    }
  }

  static void service_networks(Node& v) { list_to_keys(v, Node::null); }

  // A list of names becomes a mapping from each name to `value(mark)`, keeping the merge tag.
  static void list_to_keys(Node& v, Node (*value)(Mark)) {
    if (!v.is_sequence()) {
      return;
    }
    Node m = Node::mapping(v.mark);
    m.tag = v.tag;
    for (const auto& item : v.items) {
      m.set(item.text, value(item.mark), item.mark);
    }
    v = std::move(m);
  }

  void healthcheck(Node& v, const std::string& path) {
    if (!v.is_mapping()) {
      return;
    }
    if (Node* disable = v.find("disable")) {
      boolean(disable, path + ".disable");
    }
    if (Node* test = v.find("test"); test && !skip(*test)) {
      if (test->is_scalar() && !test->is_null()) {
        Node seq = Node::sequence(test->mark);
        seq.tag = test->tag;
        seq.items.push_back(Node::string("CMD-SHELL", test->mark));
        seq.items.push_back(Node::string(test->text, test->mark));
        *test = std::move(seq);
      } else if (test->is_sequence()) {
        strings(*test);
        if (!test->items.empty() && test->items[0].text != "NONE" && test->items[0].text != "CMD" &&
            test->items[0].text != "CMD-SHELL") {
          error(test->items[0], path + ".test[0]",
                "must be \"CMD\", \"CMD-SHELL\" or \"NONE\", not \"" + test->items[0].text + "\"");
        }
      }
    }
    for (const char* key : {"interval", "timeout", "start_period", "start_interval"}) {
      if (Node* d = v.find(key); d && !skip(*d)) {
        duration(*d, join_path(path, key));
      }
    }
    if (Node* retries = v.find("retries")) {
      integer(*retries, path + ".retries");
    }
  }

  void devices(Node& list, const std::string& path) {
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      Node& d = list.items[i];
      if (!d.is_mapping()) {
        continue;
      }
      Node* count = d.find("count");
      if (count && count->is_scalar() && count->text != "all") {
        integer(*count, index_path(path, i) + ".count");
      }
      if (!count && !d.find("device_ids")) {
        d.set("count", Node::string("all", d.mark));
      }
      if (Node* ids = d.find("device_ids")) {
        strings(*ids);
      }
    }
  }

  void gpus(Node& v, const std::string& path) {
    if (v.is_scalar()) {
      if (v.text != "all") {
        error(v, path, "must be \"all\" or a list of device requests, not \"" + v.text + "\"");
        return;
      }
      Node seq = Node::sequence(v.mark);
      Node all = Node::mapping(v.mark);
      all.set("count", Node::string("all", v.mark));
      seq.items.push_back(std::move(all));
      v = std::move(seq);
      return;
    }
    devices(v, path);
  }

  void deploy(Node& v, const std::string& path) {
    if (!v.is_mapping()) {
      return;
    }
    if (Node* replicas = v.find("replicas")) {
      integer(*replicas, path + ".replicas");
    }
    if (Node* resources = v.find("resources")) {
      for (const char* part : {"limits", "reservations"}) {
        Node* r = resources->find(part);
        if (!r) {
          continue;
        }
        const std::string rp = path + ".resources." + part;
        if (Node* memory = r->find("memory")) {
          byte_size(*memory, rp + ".memory");
        }
        if (Node* cpus = r->find("cpus")) {
          number(*cpus, rp + ".cpus");
        }
        if (Node* pids = r->find("pids")) {
          integer(*pids, rp + ".pids");
        }
        if (Node* devs = r->find("devices"); devs && devs->is_sequence()) {
          devices(*devs, rp + ".devices");
        }
      }
    }
    if (Node* policy = v.find("restart_policy")) {
      for (const char* key : {"delay", "window"}) {
        if (Node* d = policy->find(key)) {
          duration(*d, path + ".restart_policy." + key);
        }
      }
    }
    for (const char* cfg : {"update_config", "rollback_config"}) {
      if (Node* c = v.find(cfg)) {
        for (const char* key : {"delay", "monitor"}) {
          if (Node* d = c->find(key)) {
            duration(*d, path + "." + cfg + "." + key);
          }
        }
      }
    }
  }

  void network_or_volume(Node& v, const std::string& path) {
    if (v.is_null()) {
      v = Node::mapping(v.mark);
      return;
    }
    if (!v.is_mapping()) {
      return;
    }
    if (Node* external = v.find("external"); external && external->is_mapping()) {
      // Legacy `external: {name: x}`. Setting `name` may move v's entries: copy first.
      const Mark at = external->mark;
      std::optional<Node> name;
      if (const Node* n = external->find("name")) {
        name = *n;
      }
      *external = Node::boolean(true, at);
      if (name && !v.find("name")) {
        v.set("name", std::move(*name));
      }
    }
    if (Node* labels = v.find("labels")) {
      dict(*labels, path + ".labels", false);
    }
    if (Node* opts = v.find("driver_opts")) {
      dict(*opts, path + ".driver_opts", false);
    }
  }

  Diagnostics& diags_;
  const CanonicalOptions& options_;
};

} // namespace

void canonicalize_file(Node& root, Diagnostics& diags, const CanonicalOptions& options) {
  Canonicalizer(diags, options).file(root);
}

void canonicalize_service(Node& service, const std::string& path, Diagnostics& diags,
                          const CanonicalOptions& options) {
  Canonicalizer(diags, options).service(service, path);
}

} // namespace aic::compose
