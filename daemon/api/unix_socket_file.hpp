#pragma once

#include "core/result.hpp"

#include <optional>
#include <string>
#include <sys/types.h>

namespace aic::api {

/// Identity of a socket file the server bound, so that it removes only its own file (not one a
/// later aicd put at the same path).
struct SocketFileId {
  dev_t device = 0;
  ino_t inode = 0;
};

/// Readies `path` for bind: Conflict when a live server answers there ("another aicd is
/// listening on PATH") or the path is something other than a socket; removes a stale socket
/// file; creates missing parent directories with mode 0755. Blocking; for startup.
Result<void> prepare_socket_path(const std::string& path);

/// Gives the bound socket file `mode` and, when set, `group`; returns the file's identity.
Result<SocketFileId> secure_socket_file(const std::string& path, int mode,
                                        const std::optional<std::string>& group);

/// The group id of a group name or number; InvalidSpec when there is no such group.
Result<gid_t> resolve_group(const std::string& group);

/// Removes `path` when it is still the file identified by `id`; errors are ignored.
void remove_socket_file(const std::string& path, const SocketFileId& id);

} // namespace aic::api
