#include "cli/daemon_connection.hpp"

#include "proto/error_body.hpp"

#include <nlohmann/json.hpp>

namespace aic::cli {

Result<std::unique_ptr<RestClient>> connect_daemon(const ParsedArgs& args, const Invocation& inv) {
  Result<HostAddress> host =
      resolve_host(args.last("host"), inv.environment, args.last("tlscacert"));
  if (!host) {
    return std::move(host).error();
  }
  std::string token = resolve_token(args.last("token"), inv.environment);
  return std::make_unique<RestClient>(*host, token);
}

int exit_code_for(const Error& error) {
  return static_cast<int>(error.code() == ErrorCode::EngineUnavailable ? ExitCode::Unavailable
                                                                       : ExitCode::Failure);
}

std::string project_path(const std::string& name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "/v1/projects/";
  for (unsigned char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<void> run_operation(RestClient& client, std::string_view method, const std::string& path,
                           const nlohmann::json& body, ProgressView& view) {
  std::optional<Error> failure;
  bool done = false;
  auto on_line = [&](std::string_view line) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      failure = Error(ErrorCode::Internal,
                      "aicd sent a line that is not JSON: " + std::string(line.substr(0, 200)));
      return false;
    }
    if (auto p = j.find("progress"); p != j.end()) {
      try {
        view.on_event(p->get<proto::ProgressEvent>());
      } catch (const nlohmann::json::exception&) {
        // An event this CLI does not understand is only progress: skip it.
      }
    } else if (j.contains("error")) {
      failure = proto::error_from_body(j);
      return false;
    } else if (j.contains("done")) {
      done = true;
      return false;
    }
    return true;
  };
  std::optional<nlohmann::json> payload;
  if (!body.is_null()) {
    payload = body;
  }
  Result<void> streamed = client.stream(method, path, payload, on_line, &interrupted());
  view.finish();
  if (!streamed) {
    return streamed;
  }
  if (failure) {
    return *failure;
  }
  if (!done) {
    if (interrupted()) {
      return Error(ErrorCode::Internal, "interrupted: aicd carries on with the operation; "
                                        "see `aic ps`");
    }
    return Error(ErrorCode::Internal, "aicd closed the connection before the operation ended");
  }
  return {};
}

} // namespace aic::cli
