#pragma once

// Shared by the container_config*.cpp files only; not part of aic_plan's interface.

#include "compose/diagnostic.hpp"
#include "compose/node.hpp"
#include "core/result.hpp"
#include "engine/container_types.hpp"
#include "plan/container_config.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::plan::detail {

/// Reads one service of the canonical model and collects every problem it finds, each with its
/// file:line:col and key path, so that one create reports all of a service's bad values.
class ServiceReader {
public:
  ServiceReader(const compose::Node& model, const compose::Node& service, std::string_view name,
                const ContainerContext& ctx)
      : model_(model), service_(service), name_(name), ctx_(ctx) {}

  const compose::Node& model() const { return model_; }
  const compose::Node& service() const { return service_; }
  const std::string& name() const { return name_; }
  const ContainerContext& ctx() const { return ctx_; }
  /// "services.<svc>.<key>"
  std::string path(std::string_view key) const {
    return "services." + name_ + "." + std::string(key);
  }

  void fail(const compose::Node& at, const std::string& path, std::string message) {
    diags_.add(at.mark, path, std::move(message));
  }
  /// The first problem as NotFound when only references to missing containers went wrong,
  /// otherwise every problem as one InvalidSpec; nullopt when nothing went wrong.
  std::optional<Error> error() const;

  static std::string text(const compose::Node* n) {
    return n && n->is_scalar() ? n->text : std::string();
  }
  bool flag(const compose::Node* n, const std::string& path);
  std::int64_t integer(const compose::Node* n, const std::string& path);
  double number(const compose::Node* n, const std::string& path);
  std::int64_t bytes(const compose::Node* n, const std::string& path);
  std::optional<std::int64_t> duration(const compose::Node* n, const std::string& path);
  /// A sequence's items as text; a single scalar is a list of one.
  static std::vector<std::string> strings(const compose::Node* n);
  /// Item `i` of what strings() read, for error positions.
  static const compose::Node& item(const compose::Node& list, std::size_t i) {
    return list.is_sequence() ? list.items[i] : list;
  }
  /// A mapping of scalars, or a list of "K=V" items (a bare "K" maps to "").
  static std::map<std::string, std::string> string_map(const compose::Node* n);

  /// The container of `service` that `ctx.service_containers` names; records NotFound and
  /// returns "" when there is none.
  std::string container_of(const compose::Node& at, const std::string& path,
                           const std::string& service, std::string_view what);
  /// "service:X" becomes "container:<X's container>"; anything else is returned as written.
  std::string namespace_mode(const compose::Node* n, const std::string& path,
                             std::string_view what);

private:
  const compose::Node& model_;
  const compose::Node& service_;
  std::string name_;
  const ContainerContext& ctx_;
  compose::Diagnostics diags_;
  std::optional<Error> not_found_;
};

/// True for an IPv4 or IPv6 address without prefix or zone (what Go's netip.ParseAddr takes).
bool is_ip_address(const std::string& text);

/// volumes, secrets, configs, tmpfs and volumes_from (container_config_storage.cpp).
void apply_storage(ServiceReader& r, engine::ContainerCreate& c);
/// Resource limits, ulimits, devices and device requests (container_config_resources.cpp).
void apply_resources(ServiceReader& r, engine::ContainerCreate& c);

} // namespace aic::plan::detail
