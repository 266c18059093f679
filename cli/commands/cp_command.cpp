#include "cli/commands/cp_command.hpp"

#include "archive/tar_extractor.hpp"
#include "archive/tar_writer.hpp"
#include "cli/commands/ps_logs_command.hpp"
#include "cli/cp_paths.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"
#include "proto/archive_types.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace aic::cli {
namespace {

/// How long a stat or an upload may take (an upload may be 64 MiB into a slow engine).
constexpr std::chrono::seconds kStatTimeout{30};
constexpr std::chrono::minutes kUploadTimeout{10};

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4U];
      out += kHex[c & 15U];
    }
  }
  return out;
}

Error errno_error(int err, const std::string& what) {
  return Error(err == ENOENT ? ErrorCode::NotFound : ErrorCode::InvalidSpec,
               what + ": " + std::generic_category().message(err));
}

/// The parsed command line of one copy.
struct CopyJob {
  std::string project;
  std::string service;
  std::optional<int> index;
  bool all = false;
  bool archive = false;     ///< -a: keep uid/gid
  bool follow_link = false; ///< -L
  std::string source;       ///< container path (from) or local path or "-" (to)
  std::string destination;  ///< local path or "-" (from) or container path (to)
};

/// "/v1/projects/<p>/archive<suffix>?service=…&path=…" plus the container selector.
std::string archive_path(const CopyJob& job, const std::string& suffix, const std::string& path,
                         const std::string& container = {}) {
  std::string out = project_path(job.project) + "/archive" + suffix +
                    "?service=" + url_encode(job.service) + "&path=" + url_encode(path);
  if (!container.empty()) {
    out += "&container=" + url_encode(container);
  } else if (job.index) {
    out += "&index=" + std::to_string(*job.index);
  } else if (job.all) {
    out += "&all=true";
  }
  return out;
}

Result<std::vector<proto::ArchiveTarget>> stat_targets(RestClient& client, const CopyJob& job,
                                                       const std::string& path,
                                                       const std::string& container = {}) {
  Result<Response> answer = client.request("GET", archive_path(job, "/stat", path, container),
                                           std::nullopt, kStatTimeout);
  if (!answer) {
    return std::move(answer).error();
  }
  nlohmann::json body = answer->json();
  std::vector<proto::ArchiveTarget> targets;
  try {
    targets = body.at("containers").get<std::vector<proto::ArchiveTarget>>();
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::Internal, std::string("aicd sent an unreadable stat: ") + e.what());
  }
  if (targets.empty()) {
    return Error(ErrorCode::NotFound, "no container found for service \"" + job.service + "\"");
  }
  return targets;
}

/// A container path's parent for joining a relative symlink target (docker cp's rule).
std::string join_link(const std::string& path, const std::string& target) {
  if (!target.empty() && target.front() == '/') {
    return target;
  }
  return clean_path(split_dir_entry(path).first + "/" + target);
}

/// moby's GetRebaseName: the path to copy after following a link, and the name to keep.
std::pair<std::string, std::string> rebase_after_link(const std::string& path,
                                                      std::string resolved) {
  if (base_name(path) == "." && base_name(resolved) != ".") {
    resolved += "/.";
  }
  if (!path.empty() && path.back() == '/' && (resolved.empty() || resolved.back() != '/')) {
    resolved += "/";
  }
  std::string rebase;
  if (base_name(path) != base_name(resolved)) {
    rebase = base_name(path);
  }
  return {resolved, rebase};
}

// ---- from a container -------------------------------------------------------------------------

/// What is at a local destination, symlinks followed (moby's CopyInfoDestinationPath).
Result<CopyEnd> local_destination(std::string path) {
  struct stat st {};
  for (int hops = 0;; ++hops) {
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return errno_error(errno, "cannot stat " + path);
      }
      const std::string parent = split_dir_entry(path).first;
      struct stat pst {};
      if (::stat(parent.c_str(), &pst) != 0) {
        return errno_error(errno, "destination directory " + parent);
      }
      if (!S_ISDIR(pst.st_mode)) {
        return Error(ErrorCode::InvalidSpec, parent + " is not a directory");
      }
      return CopyEnd{path, false, false, ""};
    }
    if (!S_ISLNK(st.st_mode)) {
      return CopyEnd{path, true, S_ISDIR(st.st_mode), ""};
    }
    if (hops >= 10) {
      return Error(ErrorCode::InvalidSpec, "too many symlinks in " + path);
    }
    std::string target(PATH_MAX, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) {
      return errno_error(errno, "cannot read the symlink " + path);
    }
    target.resize(static_cast<std::size_t>(n));
    path = join_link(path, target);
  }
}

int copy_from(const Invocation& inv, RestClient& client, const CopyJob& job) {
  std::ostream& err = *inv.err;
  Result<std::vector<proto::ArchiveTarget>> targets = stat_targets(client, job, job.source);
  if (!targets) {
    print_error(err, targets.error());
    return exit_code_for(targets.error());
  }
  const proto::ArchiveTarget& target = targets->front();
  std::string source = job.source;
  std::string rebase_name;
  if (!target.stat) {
    Error failure(ErrorCode::NotFound,
                  "no such file or directory in " + target.container + ": " + job.source);
    print_error(err, failure);
    return exit_code_for(failure);
  }
  proto::PathStat stat = *target.stat;
  if (job.follow_link && stat.is_symlink()) {
    auto [resolved, rebase] = rebase_after_link(source, join_link(source, stat.link_target));
    source = resolved;
    rebase_name = rebase;
    Result<std::vector<proto::ArchiveTarget>> again =
        stat_targets(client, job, source, target.container);
    if (!again || !again->front().stat) {
      Error failure =
          again ? Error(ErrorCode::NotFound, "the link " + job.source + " in " + target.container +
                                                 " points at nothing: " + source)
                : again.error();
      print_error(err, failure);
      return exit_code_for(failure);
    }
    stat = *again->front().stat;
  }

  const std::string path = archive_path(job, "", source, target.container);
  std::optional<Error> failure;
  if (job.destination == "-") {
    std::ostream& out = *inv.out;
    auto on_headers = [](const std::map<std::string, std::string>&) { return true; };
    auto on_data = [&out](std::string_view bytes) {
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      return static_cast<bool>(out);
    };
    Result<void> done = client.download(path, on_headers, on_data, &interrupted());
    out.flush();
    if (!done) {
      print_error(err, done.error());
      return exit_code_for(done.error());
    }
    if (!out) {
      Error broken(ErrorCode::Internal, "cannot write the archive to standard output");
      print_error(err, broken);
      return exit_code_for(broken);
    }
    return static_cast<int>(ExitCode::Ok);
  }

  Result<CopyEnd> destination = local_destination(job.destination);
  if (!destination) {
    print_error(err, destination.error());
    return exit_code_for(destination.error());
  }
  CopyEnd src{source, true, stat.is_dir(), rebase_name};
  Result<CopyPlan> plan = plan_copy(src, *destination);
  if (!plan) {
    print_error(err, plan.error());
    return exit_code_for(plan.error());
  }
  // The engine names the archive's top entry after the requested path's base.
  archive::ExtractOptions options;
  options.rebase_from = base_name(source);
  options.rebase_to = plan->name;
  if (plan->name.empty() || options.rebase_from == options.rebase_to) {
    options.rebase_from.clear();
    options.rebase_to.clear();
  }
  Result<std::unique_ptr<archive::TarExtractor>> extractor =
      archive::TarExtractor::open(plan->directory, options);
  if (!extractor) {
    print_error(err, extractor.error());
    return exit_code_for(extractor.error());
  }
  auto on_headers = [](const std::map<std::string, std::string>&) { return true; };
  auto on_data = [&](std::string_view bytes) {
    Result<void> fed = (*extractor)->feed(bytes);
    if (!fed) {
      failure = std::move(fed).error();
      return false;
    }
    return true;
  };
  Result<void> done = client.download(path, on_headers, on_data, &interrupted());
  if (!done) {
    failure = std::move(done).error();
  } else if (!failure && interrupted()) {
    failure = Error(ErrorCode::Internal, "interrupted: the copy is incomplete");
  } else if (!failure) {
    if (Result<void> finished = (*extractor)->finish(); !finished) {
      failure = std::move(finished).error();
    }
  }
  if (failure) {
    failure->with_context("copying " + target.container + ":" + job.source + " to " +
                          job.destination);
    print_error(err, *failure);
    return exit_code_for(*failure);
  }
  for (const auto& skipped : (*extractor)->skipped()) {
    err << "warning: skipped " << skipped << ": not a file, directory or link\n";
  }
  err << "Copied " << target.container << ":" << job.source << " to " << job.destination << "\n";
  return static_cast<int>(ExitCode::Ok);
}

// ---- to containers ----------------------------------------------------------------------------

/// Reads standard input (a tar) whole, within kMaxCopyUpload.
Result<std::string> read_stdin_tar() {
  std::string tar;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_error(errno, "cannot read standard input");
    }
    if (n == 0) {
      break;
    }
    if (tar.size() + static_cast<std::size_t>(n) > kMaxCopyUpload) {
      return Error(ErrorCode::InvalidSpec, "the archive on standard input exceeds " +
                                               std::to_string(kMaxCopyUpload >> 20) +
                                               " MiB, the most aicd accepts in one request");
    }
    tar.append(buffer, static_cast<std::size_t>(n));
  }
  return tar;
}

/// The tar of `path` as `name`, within kMaxCopyUpload.
Result<std::string> make_tar(const std::string& path, const std::string& name, bool keep_ids) {
  std::string tar;
  archive::TarWriter writer([&tar](std::string_view bytes) -> Result<void> {
    if (tar.size() + bytes.size() > kMaxCopyUpload) {
      return Error(ErrorCode::InvalidSpec, "the archive exceeds " +
                                               std::to_string(kMaxCopyUpload >> 20) +
                                               " MiB, the most aicd accepts in one request");
    }
    tar.append(bytes);
    return {};
  });
  archive::AddPathOptions options;
  options.keep_ids = keep_ids;
  if (Result<void> added = archive::add_path(writer, path, name, options); !added) {
    return std::move(added).error();
  }
  if (Result<void> finished = writer.finish(); !finished) {
    return std::move(finished).error();
  }
  return tar;
}

/// The local source, with -L resolved (moby's CopyInfoSourcePath).
Result<CopyEnd> local_source(const CopyJob& job) {
  std::string path = job.source;
  std::string rebase;
  if (job.follow_link) {
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) == nullptr) {
      return errno_error(errno, "cannot resolve " + path);
    }
    auto [p, r] = rebase_after_link(path, resolved);
    path = p;
    rebase = r;
  }
  struct stat st {};
  if (::lstat(clean_path(path).c_str(), &st) != 0) {
    return errno_error(errno, "cannot stat " + job.source);
  }
  return CopyEnd{path, true, S_ISDIR(st.st_mode), rebase};
}

int copy_to(const Invocation& inv, RestClient& client, const CopyJob& job) {
  std::ostream& err = *inv.err;
  auto fail = [&err](const Error& e) {
    print_error(err, e);
    return exit_code_for(e);
  };
  std::optional<std::string> stdin_tar;
  std::optional<CopyEnd> source;
  if (job.source == "-") {
    Result<std::string> tar = read_stdin_tar();
    if (!tar) {
      return fail(tar.error());
    }
    stdin_tar = std::move(*tar);
  } else {
    Result<CopyEnd> src = local_source(job);
    if (!src) {
      return fail(src.error());
    }
    source = *src;
  }
  Result<std::vector<proto::ArchiveTarget>> targets = stat_targets(client, job, job.destination);
  if (!targets) {
    return fail(targets.error());
  }
  std::map<std::string, std::string> tars; // by top entry name
  for (const auto& target : *targets) {
    std::string destination = job.destination;
    std::optional<proto::PathStat> stat = target.stat;
    if (stat && stat->is_symlink()) {
      destination = join_link(destination, stat->link_target);
      Result<std::vector<proto::ArchiveTarget>> again =
          stat_targets(client, job, destination, target.container);
      if (!again) {
        return fail(again.error());
      }
      stat = again->front().stat;
    }
    const std::string where = target.container + ":" + job.destination;
    if (stat && !stat->is_dir() && !stat->is_regular()) {
      return fail(Error(ErrorCode::InvalidSpec,
                        "destination \"" + where + "\" must be a directory or a regular file"));
    }
    CopyEnd dst{destination, stat.has_value(), stat && stat->is_dir(), ""};
    std::string directory;
    const std::string* body = nullptr;
    if (stdin_tar) {
      if (!dst.exists || !dst.is_dir) {
        return fail(Error(ErrorCode::InvalidSpec, "destination \"" + where +
                                                      "\" must be a directory to extract a "
                                                      "tar from standard input"));
      }
      directory = destination;
      body = &*stdin_tar;
    } else {
      Result<CopyPlan> plan = plan_copy(*source, dst);
      if (!plan) {
        return fail(plan.error().with_context("copying to " + where));
      }
      directory = plan->directory;
      auto cached = tars.find(plan->name);
      if (cached == tars.end()) {
        Result<std::string> tar = make_tar(clean_path(source->path), plan->name, job.archive);
        if (!tar) {
          return fail(tar.error());
        }
        cached = tars.emplace(plan->name, std::move(*tar)).first;
      }
      body = &cached->second;
    }
    std::string path = archive_path(job, "", directory, target.container);
    if (job.archive) {
      path += "&copy_uid_gid=true";
    }
    Result<Response> put = client.upload("PUT", path, "application/x-tar", *body, kUploadTimeout);
    if (!put) {
      return fail(put.error());
    }
    err << "Copied " << job.source << " to " << where << "\n";
  }
  return static_cast<int>(ExitCode::Ok);
}

int run_cp(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  if (args.positionals().size() != 2) {
    return usage_error(err, "cp", "cp takes a source and a destination");
  }
  const CpArg from = split_cp_arg(args.positionals()[0]);
  const CpArg to = split_cp_arg(args.positionals()[1]);
  if (!from.service.empty() && !to.service.empty()) {
    return usage_error(err, "cp", "copying between services is not supported");
  }
  if (from.service.empty() && to.service.empty()) {
    return usage_error(err, "cp", "no container service specified: use SERVICE:PATH");
  }
  CopyJob job;
  job.all = args.has("all");
  job.archive = args.has("archive");
  job.follow_link = args.has("follow-link");
  if (!from.service.empty() && job.all) {
    return usage_error(err, "cp", "cannot use the --all flag when copying from a service");
  }
  if (auto index = args.last("index")) {
    std::optional<int> n = parse_count(*index);
    if (!n) {
      return usage_error(err, "cp", "invalid --index \"" + *index + "\": a number expected");
    }
    if (*n > 0) {
      job.index = *n;
    }
  }
  job.service = from.service.empty() ? to.service : from.service;
  job.source = from.path;
  job.destination = to.path;
  if (job.source.empty() || job.destination.empty()) {
    return usage_error(err, "cp", "empty path: use SERVICE:PATH and a local path or -");
  }
  Result<std::string> project = project_name_from(args, inv);
  if (!project) {
    print_error(err, project.error());
    return static_cast<int>(ExitCode::Failure);
  }
  job.project = *project;
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  return from.service.empty() ? copy_to(inv, **client, job) : copy_from(inv, **client, job);
}

} // namespace

CommandSpec cp_command() {
  CommandSpec c;
  c.name = "cp";
  c.summary = "Copy files/folders between a service container and the local filesystem";
  c.usage = "[OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n"
            "        aic cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH";
  c.flags = {
      {"all", 0, false, "", "Include containers created by the run command"},
      {"archive", 'a', false, "", "Archive mode (copy all uid/gid information)"},
      {"follow-link", 'L', false, "", "Always follow symbol link in SRC_PATH"},
      {"index", 0, true, "N", "Index of the container if service has multiple replicas"},
  };
  c.positionals = Positionals::Free;
  c.run = run_cp;
  return c;
}

} // namespace aic::cli
