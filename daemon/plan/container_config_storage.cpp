#include "plan/container_config_reader.hpp"

#include <set>

// Mounts as compose's buildContainerVolumes makes them: a bind or named volume that needs no
// Mount API option becomes a "src:dst:rw|ro[,opts]" Binds entry; everything else (anonymous and
// option-carrying volumes, tmpfs, binds with create_host_path: false, secrets, configs) a Mounts
// entry. A bind without `bind.create_host_path` creates its host path, as compose-go's default
// (true) does; `create_host_path: false` uses the Mount API, so the engine refuses a missing path.

namespace aic::plan::detail {
namespace {

using compose::Node;

std::string volume_name(ServiceReader& r, const Node& at, const std::string& path,
                        const std::string& key) {
  const auto& names = r.ctx().volume_names;
  if (auto it = names.find(key); it != names.end()) {
    return it->second;
  }
  const Node* top = r.model().find("volumes");
  const Node* vol = top ? top->find(key) : nullptr;
  std::string name = ServiceReader::text(vol ? vol->find("name") : nullptr);
  if (name.empty()) {
    r.fail(at, path, "refers to undefined volume \"" + key + "\"");
  }
  return name;
}

/// Records a refusal when binding `source` would expose a guarded path.
void guard(ServiceReader& r, const Node& at, const std::string& path, const std::string& source) {
  if (auto exposed = exposed_guarded_path(source, r.ctx().guarded_paths)) {
    r.fail(at, path, guarded_bind_message(source, *exposed));
  }
}

void bind_volume(ServiceReader& r, const Node& v, const std::string& path,
                 engine::ContainerCreate& c) {
  const std::string source = ServiceReader::text(v.find("source"));
  const std::string target = ServiceReader::text(v.find("target"));
  const bool read_only = r.flag(v.find("read_only"), path + ".read_only");
  const Node* bind = v.find("bind");
  const Node* create = bind ? bind->find("create_host_path") : nullptr;
  if (source.empty() || source.front() != '/') {
    r.fail(v, path + ".source", "bind mount source \"" + source + "\" must be an absolute path");
    return;
  }
  guard(r, v, path + ".source", source);
  if (create && !r.flag(create, path + ".bind.create_host_path")) {
    c.mounts.push_back(
        {.type = "bind", .source = source, .target = target, .read_only = read_only});
    return;
  }
  std::string bind_string = source + ":" + target + ":" + (read_only ? "ro" : "rw");
  for (const char* option : {"selinux", "propagation"}) {
    if (std::string value = ServiceReader::text(bind ? bind->find(option) : nullptr);
        !value.empty()) {
      bind_string += "," + value;
    }
  }
  c.binds.push_back(std::move(bind_string));
}

void volume_volume(ServiceReader& r, const Node& v, const std::string& path,
                   engine::ContainerCreate& c) {
  engine::MountConfig m{.type = "volume",
                        .target = ServiceReader::text(v.find("target")),
                        .read_only = r.flag(v.find("read_only"), path + ".read_only")};
  if (const Node* options = v.find("volume")) {
    m.volume_no_copy = r.flag(options->find("nocopy"), path + ".volume.nocopy");
    m.volume_labels = ServiceReader::string_map(options->find("labels"));
  }
  const std::string key = ServiceReader::text(v.find("source"));
  if (!key.empty()) {
    m.source = volume_name(r, v, path + ".source", key);
    // A local volume with `o: bind` is a bind mount of its `device`.
    const Node* declared = r.model().find("volumes");
    const Node* top = declared ? declared->find(key) : nullptr;
    const Node* opts = top ? top->find("driver_opts") : nullptr;
    const std::string device = ServiceReader::text(opts ? opts->find("device") : nullptr);
    if (!device.empty() && ServiceReader::text(opts->find("o")).find("bind") != std::string::npos) {
      guard(r, v, path + ".source", device);
    }
  }
  if (!key.empty() && !m.volume_no_copy && m.volume_labels.empty()) {
    c.binds.push_back(m.source + ":" + m.target + ":" + (m.read_only ? "ro" : "rw"));
    return;
  }
  c.mounts.push_back(std::move(m));
}

void tmpfs_volume(ServiceReader& r, const Node& v, const std::string& path,
                  engine::ContainerCreate& c) {
  engine::MountConfig m{.type = "tmpfs",
                        .target = ServiceReader::text(v.find("target")),
                        .read_only = r.flag(v.find("read_only"), path + ".read_only")};
  if (const Node* options = v.find("tmpfs")) {
    m.tmpfs_size_bytes = r.bytes(options->find("size"), path + ".tmpfs.size");
    // compose-go reads mode as a plain YAML integer: `1777` is decimal, `01777` octal.
    m.tmpfs_mode = r.integer(options->find("mode"), path + ".tmpfs.mode");
  }
  c.mounts.push_back(std::move(m));
}

// Secrets (/run/secrets/<name>) and configs (/<name>) from files become read-only bind mounts
// through the Mount API; a target already mounted by `volumes` wins, as in compose.
void file_references(ServiceReader& r, const char* kind, engine::ContainerCreate& c,
                     std::set<std::string>& targets) {
  const Node* refs = r.service().find(kind);
  if (!refs || !refs->is_sequence()) {
    return;
  }
  const bool is_secret = std::string_view(kind) == "secrets";
  const std::string base = is_secret ? "/run/secrets/" : "/";
  const Node* declared = r.model().find(kind);
  for (std::size_t i = 0; i < refs->items.size(); ++i) {
    const Node& ref = refs->items[i];
    const std::string path = compose::index_path(r.path(kind), i);
    const std::string source = ServiceReader::text(ref.find("source"));
    std::string target = ServiceReader::text(ref.find("target"));
    if (target.empty()) {
      target = base + source;
    } else if (target.front() != '/') {
      target = base + target;
    }
    const Node* top = declared ? declared->find(source) : nullptr;
    const std::string what = std::string(is_secret ? "secret" : "config") + " \"" + source + "\"";
    if (!top) {
      r.fail(ref, path, "refers to undefined " + what);
    } else if (r.flag(top->find("external"), std::string(kind) + "." + source + ".external")) {
      r.fail(ref, path, "external " + what + " is not supported by Docker Compose");
    } else if (top->find("environment") || top->find("content")) {
      r.fail(ref, path,
             what + " from " + (top->find("content") ? "content" : "an environment variable") +
                 " is not supported by aic yet; use file:");
    } else if (targets.insert(target).second) {
      guard(r, ref, path, ServiceReader::text(top->find("file")));
      c.mounts.push_back({.type = "bind",
                          .source = ServiceReader::text(top->find("file")),
                          .target = target,
                          .read_only = true});
    }
  }
}

} // namespace

void apply_storage(ServiceReader& r, engine::ContainerCreate& c) {
  const Node& svc = r.service();
  std::set<std::string> targets;
  if (const Node* volumes = svc.find("volumes"); volumes && volumes->is_sequence()) {
    for (std::size_t i = 0; i < volumes->items.size(); ++i) {
      const Node& v = volumes->items[i];
      const std::string path = compose::index_path(r.path("volumes"), i);
      const std::string type = ServiceReader::text(v.find("type"));
      targets.insert(ServiceReader::text(v.find("target")));
      if (type == "bind") {
        bind_volume(r, v, path, c);
      } else if (type == "volume") {
        volume_volume(r, v, path, c);
      } else if (type == "tmpfs") {
        tmpfs_volume(r, v, path, c);
      } else {
        r.fail(v, path + ".type", "volume type \"" + type + "\" is not supported by aic");
      }
    }
  }
  file_references(r, "secrets", c, targets);
  file_references(r, "configs", c, targets);
  for (const std::string& t : ServiceReader::strings(svc.find("tmpfs"))) {
    std::size_t colon = t.find(':');
    c.tmpfs[t.substr(0, colon)] = colon == std::string::npos ? "" : t.substr(colon + 1);
  }
  // volumes_from: "service[:mode]" or "container:name[:mode]".
  if (const Node* from = svc.find("volumes_from"); from && from->is_sequence()) {
    for (std::size_t i = 0; i < from->items.size(); ++i) {
      const Node& item = from->items[i];
      std::string_view spec = item.text;
      constexpr std::string_view kContainer = "container:";
      if (spec.substr(0, kContainer.size()) == kContainer) {
        c.volumes_from.emplace_back(spec.substr(kContainer.size()));
        continue;
      }
      const std::size_t colon = spec.find(':');
      const std::string service(spec.substr(0, colon));
      std::string id =
          r.container_of(item, compose::index_path(r.path("volumes_from"), i), service, "volumes");
      if (!id.empty()) {
        c.volumes_from.push_back(id + std::string(colon == std::string_view::npos
                                                      ? std::string_view()
                                                      : spec.substr(colon)));
      }
    }
  }
}

} // namespace aic::plan::detail

namespace aic::plan {

namespace {

std::string normalise(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    const std::string_view part = path.substr(pos, slash - pos);
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = slash + 1;
  }
  std::string out;
  for (std::string_view part : parts) {
    out.append("/").append(part);
  }
  return out.empty() ? "/" : out;
}

} // namespace

std::optional<std::string> exposed_guarded_path(std::string_view source,
                                                const std::vector<std::string>& guarded) {
  if (source.empty() || source.front() != '/') {
    return std::nullopt;
  }
  const std::string bound = normalise(source);
  for (const std::string& path : guarded) {
    const std::string g = normalise(path);
    if (bound == g || bound == "/" || g.rfind(bound + "/", 0) == 0) {
      return path;
    }
  }
  return std::nullopt;
}

std::string guarded_bind_message(std::string_view source, std::string_view exposed) {
  return "bind mount of \"" + std::string(source) + "\" is refused: it exposes " +
         std::string(exposed) +
         ", which controls the Docker engine (root on this machine); start aicd with "
         "--allow-engine-socket-mounts to allow it";
}

} // namespace aic::plan
