#include "health/policy.hpp"

#include "compose/diagnostic.hpp"
#include "compose/units.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <string_view>

namespace aic::health {
namespace {

using compose::Node;

constexpr std::string_view kExtension = "x-aic";
constexpr std::string_view kKey = "restart_on_unhealthy";
// Keys of x-aic that a later part of aic reads; everything else there is refused.
constexpr std::array<std::string_view, 1> kOtherExtensionKeys = {"gpu"};

/// Reads one restart_on_unhealthy value (a bool or a mapping) over `policy`.
class PolicyReader {
public:
  explicit PolicyReader(compose::Diagnostics& diags) : diags_(diags) {}

  void extension(const Node& x_aic, const std::string& path, RestartOnUnhealthy& policy) {
    if (!x_aic.is_mapping()) {
      diags_.add(x_aic.mark, path, "must be a mapping, not " + std::string(x_aic.describe_type()));
      return;
    }
    for (const auto& e : x_aic.entries) {
      if (e.key == kKey) {
        read(e.value, compose::join_path(path, e.key), policy);
      } else if (std::find(kOtherExtensionKeys.begin(), kOtherExtensionKeys.end(), e.key) ==
                 kOtherExtensionKeys.end()) {
        diags_.add(e.key_mark, compose::join_path(path, e.key), "not supported by aic");
      }
    }
  }

private:
  void read(const Node& n, const std::string& path, RestartOnUnhealthy& policy) {
    if (n.is_scalar() && n.type == compose::ScalarType::Bool) {
      policy.enabled = n.text == "true";
      return;
    }
    if (!n.is_mapping()) {
      diags_.add(n.mark, path,
                 "must be true, false or a mapping, not " + std::string(n.describe_type()));
      return;
    }
    policy.enabled = true;
    for (const auto& e : n.entries) {
      const std::string key_path = compose::join_path(path, e.key);
      const Node& v = e.value;
      if (e.key == "enabled") {
        if (v.type != compose::ScalarType::Bool) {
          diags_.add(v.mark, key_path, "must be true or false");
        } else {
          policy.enabled = v.text == "true";
        }
      } else if (e.key == "max_attempts") {
        std::optional<long long> count = compose::parse_yaml_int(v.text);
        if (!v.is_scalar() || !count || *count < 1 || *count > 1000) {
          diags_.add(v.mark, key_path, "must be a whole number from 1 to 1000");
        } else {
          policy.max_attempts = static_cast<int>(*count);
        }
      } else if (e.key == "grace") {
        duration(v, key_path, policy.grace, true);
      } else if (e.key == "window") {
        duration(v, key_path, policy.window, false);
      } else if (e.key == "backoff") {
        duration(v, key_path, policy.backoff, true);
      } else if (e.key == "max_backoff") {
        duration(v, key_path, policy.max_backoff, true);
      } else if (e.key == "reset_after") {
        duration(v, key_path, policy.reset_after, false);
      } else {
        diags_.add(e.key_mark, key_path,
                   "unknown key (enabled, grace, max_attempts, window, backoff, max_backoff, "
                   "reset_after)");
      }
    }
  }

  void duration(const Node& v, const std::string& path, Duration& out, bool zero_allowed) {
    std::optional<std::int64_t> ns;
    if (v.is_scalar() && !v.is_null()) {
      if (Result<std::int64_t> parsed = compose::parse_duration(v.text)) {
        ns = *parsed;
      }
    }
    constexpr std::int64_t kMax = std::int64_t{366} * 24 * 3600 * 1'000'000'000;
    if (!ns || *ns < 0 || (*ns == 0 && !zero_allowed) || *ns > kMax) {
      diags_.add(v.mark, path,
                 std::string("must be a duration like 30s or 5m") +
                     (zero_allowed ? "" : ", above 0") + ", at most a year");
      return;
    }
    out = Duration(*ns);
  }

  compose::Diagnostics& diags_;
};

/// Seeds the policy from the restart policy Compose gives the engine.
RestartOnUnhealthy from_restart_policy(const Node& service_node,
                                       const compose::ServiceSpec& service) {
  RestartOnUnhealthy policy;
  const std::string& name = service.restart.name;
  bool disabled_check = service.healthcheck && !service.healthcheck->test.empty() &&
                        service.healthcheck->test.front() == "NONE";
  policy.enabled =
      (name == "always" || name == "unless-stopped" || name == "on-failure") && !disabled_check;
  if (service.restart.max_retries > 0) {
    policy.max_attempts = service.restart.max_retries;
  }
  // deploy.restart_policy's delay and window only reach Swarm in Compose; they mean the same here.
  if (const Node* deploy = service_node.find("deploy")) {
    if (const Node* rp = deploy->find("restart_policy")) {
      for (auto [key, field] :
           {std::pair{"delay", &policy.backoff}, std::pair{"window", &policy.window}}) {
        if (const Node* v = rp->find(key); v && v->is_scalar() && !v->is_null()) {
          if (Result<std::int64_t> ns = compose::parse_duration(v->text); ns && *ns > 0) {
            *field = Duration(*ns);
          }
        }
      }
    }
  }
  return policy;
}

} // namespace

Result<RestartOnUnhealthy> restart_on_unhealthy(const Node& model,
                                                const compose::ServiceSpec& service) {
  const Node* services = model.find("services");
  const Node* service_node = services ? services->find(service.name) : nullptr;
  static const Node kEmpty = Node::mapping();
  RestartOnUnhealthy policy = from_restart_policy(service_node ? *service_node : kEmpty, service);
  compose::Diagnostics diags;
  PolicyReader reader(diags);
  if (const Node* project_wide = model.find(kExtension)) {
    reader.extension(*project_wide, std::string(kExtension), policy);
  }
  if (service_node) {
    if (const Node* own = service_node->find(kExtension)) {
      reader.extension(*own, "services." + service.name + "." + std::string(kExtension), policy);
    }
  }
  if (!diags.empty()) {
    return unexpected(diags.to_error());
  }
  if (policy.max_backoff < policy.backoff) {
    policy.max_backoff = policy.backoff;
  }
  return policy;
}

Duration restart_delay(const RestartOnUnhealthy& policy, int attempt, double jitter) {
  if (attempt <= 1) {
    return Duration{0};
  }
  Duration delay = policy.backoff;
  for (int i = 2; i < attempt && delay < policy.max_backoff; ++i) {
    delay *= 2;
  }
  delay = std::min(delay, policy.max_backoff);
  double stretch = 1.0 + 0.25 * std::clamp(jitter, 0.0, 1.0);
  return Duration(static_cast<std::int64_t>(static_cast<double>(delay.count()) * stretch));
}

} // namespace aic::health
