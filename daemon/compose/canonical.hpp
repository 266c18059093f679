#pragma once

#include "compose/diagnostic.hpp"
#include "compose/node.hpp"

namespace aic::compose {

struct CanonicalOptions {
  /// With `--no-interpolate`, short syntax that still holds `${…}` is kept as written instead of
  /// being reported as invalid.
  bool keep_uninterpolated = false;
  /// Receives notes about input Compose accepts but drops (ignored volume options, a string
  /// command cut at a shell operator); may be null.
  std::vector<Diagnostic>* warnings = nullptr;
};

/// Rewrites one file's tree (already interpolated and schema-valid) into the long syntax that
/// `docker compose config` prints: ports and volumes as mappings, environment and labels as
/// maps, depends_on as a map of conditions, commands as lists, durations as Go durations
/// ("1m30s"), byte sizes as byte counts. Nodes tagged `!reset` are left alone for the merge.
void canonicalize_file(Node& root, Diagnostics& diags, const CanonicalOptions& options = {});

/// Canonicalizes one service mapping (also used for services pulled in by `extends`).
void canonicalize_service(Node& service, const std::string& path, Diagnostics& diags,
                          const CanonicalOptions& options = {});

} // namespace aic::compose
