#include "engine/wire.hpp"
#include "engine/wire_json.hpp"

namespace aic::engine {
namespace {

using wire::Node;

void read_image_config(const Node& node, ImageConfig& config) {
  node["Env"].read(config.env);
  node["Cmd"].read(config.cmd);
  node["Entrypoint"].read(config.entrypoint);
  node["Labels"].read(config.labels);
  node["ExposedPorts"].read_keys(config.exposed_ports);
  node["User"].read(config.user);
  node["WorkingDir"].read(config.working_dir);
  node["StopSignal"].read(config.stop_signal);
  wire::read_health_config(node["Healthcheck"], config.healthcheck);
  node["Volumes"].read_keys(config.volumes);
}

} // namespace

Result<std::vector<ImageSummary>> decode_image_list(std::string_view body) {
  return wire::decode_array<ImageSummary>(body, "image list",
                                          [](const Node& item, ImageSummary& out) {
                                            item["Id"].read(out.id);
                                            item["RepoTags"].read(out.repo_tags);
                                            item["RepoDigests"].read(out.repo_digests);
                                            item["Created"].read(out.created);
                                            item["Size"].read(out.size_bytes);
                                            item["Labels"].read(out.labels);
                                          });
}

Result<ImageInspect> decode_image_inspect(std::string_view body) {
  return wire::decode_object<ImageInspect>(body, "image inspect",
                                           [](const Node& root, ImageInspect& out) {
                                             root["Id"].read(out.id);
                                             root["RepoTags"].read(out.repo_tags);
                                             root["RepoDigests"].read(out.repo_digests);
                                             root["Created"].read(out.created);
                                             root["Architecture"].read(out.architecture);
                                             root["Os"].read(out.os);
                                             root["Size"].read(out.size_bytes);
                                             read_image_config(root["Config"], out.config);
                                           });
}

Result<ProgressMessage> decode_progress_message(std::string_view body) {
  return wire::decode_object<ProgressMessage>(
      body, "progress message", [](const Node& root, ProgressMessage& out) {
        root["id"].read(out.id);
        root["status"].read(out.status);
        root["progress"].read(out.progress);
        root["progressDetail"]["current"].read(out.current);
        root["progressDetail"]["total"].read(out.total);
        root["stream"].read(out.stream);
        // Only the classic builder's aux is {"ID": …}; BuildKit traces and push results are
        // other shapes, which carry nothing aicd reads.
        const Node aux = root["aux"];
        if (aux.present() && aux.json()->is_object()) {
          const auto id = aux.json()->find("ID");
          if (id != aux.json()->end() && id->is_string()) {
            out.aux_id = id->get<std::string>();
          }
        }
        root["errorDetail"]["message"].read(out.error_message);
        if (out.error_message.empty()) {
          root["error"].read(out.error_message);
        }
        if (out.error_message.empty() &&
            (root["error"].present() || root["errorDetail"].present())) {
          out.error_message = "the engine reported an error without a message";
        }
      });
}

} // namespace aic::engine
