#include "plan/naming.hpp"

namespace aic::plan {
namespace {

std::string_view condition_name(compose::DependencyCondition c) {
  switch (c) {
  case compose::DependencyCondition::Started:
    return "service_started";
  case compose::DependencyCondition::Healthy:
    return "service_healthy";
  case compose::DependencyCondition::CompletedSuccessfully:
    return "service_completed_successfully";
  }
  return "service_started";
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += i;
  }
  return out;
}

void add_common(std::map<std::string, std::string>& labels, const compose::ProjectSpec& project) {
  labels[std::string(label::kProject)] = project.name;
  labels[std::string(label::kVersion)] = std::string(kComposeVersion);
  labels[std::string(label::kManagedBy)] = "aic";
  labels[std::string(label::kAicVersion)] = std::string(kAicVersion);
}

} // namespace

std::string label_filter(std::string_view key, std::string_view value) {
  std::string filter(key);
  filter += '=';
  filter += value;
  return filter;
}

std::string label_value(const std::map<std::string, std::string>& labels, std::string_view key) {
  auto it = labels.find(std::string(key));
  return it == labels.end() ? std::string() : it->second;
}

int container_number(const std::map<std::string, std::string>& labels) {
  std::string text = label_value(labels, label::kNumber);
  if (text.empty() || text.size() > 9) {
    return 0;
  }
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return 0;
    }
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string container_name(std::string_view project, std::string_view service, int number) {
  std::string out(project);
  out += '-';
  out += service;
  out += '-';
  out += std::to_string(number);
  return out;
}

std::string container_name(const compose::ProjectSpec& project, const compose::ServiceSpec& service,
                           int number) {
  if (!service.container_name.empty()) {
    return service.container_name;
  }
  return container_name(project.name, service.name, number);
}

std::string depends_on_label(const compose::ServiceSpec& service) {
  std::vector<std::string> parts;
  for (const auto& d : service.depends_on) {
    parts.push_back(d.service + ":" + std::string(condition_name(d.condition)) + ":" +
                    (d.restart ? "true" : "false"));
  }
  return join(parts, ',');
}

std::map<std::string, std::string> container_labels(const compose::ProjectSpec& project,
                                                    const compose::ServiceSpec& service, int number,
                                                    const std::string& config_hash) {
  std::map<std::string, std::string> labels = service.labels;
  add_common(labels, project);
  labels[std::string(label::kService)] = service.name;
  labels[std::string(label::kNumber)] = std::to_string(number);
  labels[std::string(label::kOneoff)] = "False";
  labels[std::string(label::kConfigHash)] = config_hash;
  labels[std::string(label::kWorkingDir)] = project.working_dir;
  labels[std::string(label::kConfigFiles)] = join(project.config_files, ',');
  labels[std::string(label::kDependsOn)] = depends_on_label(service);
  return labels;
}

std::map<std::string, std::string> network_labels(const compose::ProjectSpec& project,
                                                  const compose::NetworkSpec& network) {
  std::map<std::string, std::string> labels = network.labels;
  add_common(labels, project);
  labels[std::string(label::kNetwork)] = network.key;
  return labels;
}

std::map<std::string, std::string> volume_labels(const compose::ProjectSpec& project,
                                                 const compose::NamedVolumeSpec& volume) {
  std::map<std::string, std::string> labels = volume.labels;
  add_common(labels, project);
  labels[std::string(label::kVolume)] = volume.key;
  return labels;
}

} // namespace aic::plan
