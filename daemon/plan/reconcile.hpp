#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace aic::plan {

/// A container of the project as the engine reports it (read back from its labels).
struct ObservedContainer {
  std::string id;
  std::string name;
  std::string service;
  int number = 0;
  std::string config_hash;
  std::string state;    ///< created, running, exited, restarting, paused, dead, removing
  std::string image_id; ///< the image it was created from ("sha256:...")
  bool oneoff = false;

  bool operator==(const ObservedContainer&) const = default;
};

/// What one service should look like.
struct ServiceTarget {
  std::string service;
  int replicas = 1;
  std::string config_hash;
  /// The image the service's containers should run ("sha256:..."); "" = not known, not compared.
  std::string image_id;
};

struct ReconcileOptions {
  bool force_recreate = false;
  bool no_recreate = false;
  /// Every service the files declare, enabled or disabled by profiles: containers of any other
  /// service are orphans.
  std::set<std::string> known_services;
};

enum class StepAction : std::uint8_t {
  Keep,     ///< up to date; started later if it is not running
  Create,   ///< a new replica
  Recreate, ///< replace `existing` by a new container with the same number
  Remove,   ///< scale down, or a duplicate of a number
};

struct ContainerStep {
  StepAction action = StepAction::Keep;
  int number = 0;
  std::string existing_id;   ///< Keep, Recreate, Remove
  std::string existing_name; ///< Keep, Recreate, Remove
  std::string reason;        ///< why a Recreate or Remove happens, for progress and logs

  bool operator==(const ContainerStep&) const = default;
};

struct ServicePlan {
  std::string service;
  std::vector<ContainerStep> steps; ///< by number; removals last

  bool operator==(const ServicePlan&) const = default;
};

struct ProjectPlan {
  std::vector<ServicePlan> services;      ///< in the order of the targets
  std::vector<ObservedContainer> orphans; ///< sorted by name

  bool operator==(const ProjectPlan&) const = default;
};

/// Decides, per service, which containers to keep, create, recreate and remove, as Compose's
/// convergence does: a container whose config hash or image differs is recreated (unless
/// no_recreate),
/// every one with force_recreate; replicas beyond the target are removed from the highest
/// number down; new replicas take the lowest free numbers from 1. When two containers claim one
/// number (left behind by an interrupted recreate), the up-to-date one (running first) is kept
/// and the other removed, so a crash never leaves a duplicate. One-off containers are ignored.
ProjectPlan reconcile(const std::vector<ServiceTarget>& targets,
                      const std::vector<ObservedContainer>& observed,
                      const ReconcileOptions& options);

} // namespace aic::plan
