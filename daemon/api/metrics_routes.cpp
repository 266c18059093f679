#include "api/metrics_routes.hpp"

#include "api/daemon_metrics.hpp"
#include "api/responder.hpp"
#include "api/route_support.hpp"
#include "events/event_hub.hpp"
#include "supervisor/async_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <map>
#include <memory>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

/// One listing of the engine's containers, shared by the scrapes that arrive while it runs, so
/// that slow answers never pile up listings.
struct Listing {
  explicit Listing(asio::any_io_executor ex) : done(std::move(ex)) {}
  supervisor::Signal done;
  bool finished = false;
  Result<std::vector<proto::ProjectStatus>> result =
      Error(ErrorCode::Internal, "the listing did not finish");
};

struct MetricsRouteState {
  std::shared_ptr<Listing> running; // the listing in flight, if any
};

std::shared_ptr<Listing> start_listing(DaemonContext& ctx,
                                       const std::shared_ptr<MetricsRouteState>& state) {
  if (state->running) {
    return state->running;
  }
  auto listing = std::make_shared<Listing>(ctx.executor);
  state->running = listing;
  DaemonContext* context = &ctx;
  auto task = [context, listing]() -> asio::awaitable<void> {
    Result<std::vector<proto::ProjectStatus>> result = co_await context->operations.list();
    listing->result = std::move(result);
  };
  asio::co_spawn(ctx.executor, std::move(task), [listing, state](std::exception_ptr e) {
    if (e) {
      listing->result = Error(ErrorCode::Internal, "listing containers failed");
    }
    listing->finished = true;
    if (state->running == listing) {
      state->running.reset();
    }
    listing->done.notify_all();
  });
  return listing;
}

MetricFamily gauge(std::string name, std::string help, double value) {
  MetricFamily family{name, std::move(help), "gauge", {}};
  family.samples.push_back({std::move(name), {}, value});
  return family;
}

asio::awaitable<void> get_metrics(DaemonContext& ctx, std::shared_ptr<MetricsRouteState> state,
                                  Responder& responder) {
  std::shared_ptr<Listing> listing = start_listing(ctx, state);
  const auto deadline = std::chrono::steady_clock::now() + kMetricsEngineDeadline;
  while (!listing->finished) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const std::chrono::milliseconds pause = std::max(left, std::chrono::milliseconds(1));
    co_await listing->done.wait(pause);
  }

  std::vector<MetricFamily> families;
  if (ctx.metrics != nullptr) {
    families = ctx.metrics->collect();
  }
  const bool listed = listing->finished && listing->result.has_value();
  families.push_back(gauge("aic_engine_up",
                           "1 when this scrape listed the engine's containers in time, else 0 "
                           "(and aic_projects and aic_containers are left out).",
                           listed ? 1 : 0));
  if (listed) {
    for (MetricFamily& family : container_families(*listing->result)) {
      families.push_back(std::move(family));
    }
  }
  if (ctx.events != nullptr) {
    MetricFamily published{"aic_events_published_total",
                           "Project events published to the event stream since aicd started.",
                           "counter",
                           {}};
    published.samples.push_back(
        {"aic_events_published_total", {}, static_cast<double>(ctx.events->last_id())});
    families.push_back(std::move(published));
    families.push_back(gauge("aic_events_buffered",
                             "Project events held for replay (Last-Event-ID, since_id).",
                             static_cast<double>(ctx.events->size())));
  }
  if (ctx.log_reads != nullptr) {
    MetricFamily reads{"aic_log_reads_total",
                       "Logs requests without follow: read from the engine by the request itself "
                       "(made), or joined to an identical read another request made (joined; a "
                       "joined read too big to hold, over 1 MiB, is then streamed again alone).",
                       "counter",
                       {}};
    reads.samples.push_back(
        {"aic_log_reads_total", {{"read", "made"}}, static_cast<double>(ctx.log_reads->calls())});
    reads.samples.push_back({"aic_log_reads_total",
                             {{"read", "joined"}},
                             static_cast<double>(ctx.log_reads->joined())});
    families.push_back(std::move(reads));
  }
  const std::string text = render_prometheus(std::move(families));
  co_await responder.respond(200, kContentType, text);
}

} // namespace

std::vector<MetricFamily> container_families(const std::vector<proto::ProjectStatus>& projects) {
  MetricFamily count = gauge("aic_projects", "Projects that have containers on the engine.",
                             static_cast<double>(projects.size()));
  CounterFamily containers("aic_containers",
                           "The projects' containers by state and health (\"none\" without a "
                           "healthcheck), from the engine at scrape time.",
                           {"project", "service", "state", "health"}, "gauge");
  for (const proto::ProjectStatus& project : projects) {
    for (const proto::ContainerStatus& c : project.containers) {
      containers.add({project.name, c.service, c.state, c.health.empty() ? "none" : c.health});
    }
  }
  return {count, containers.collect()};
}

void add_metrics_routes(Router& router, DaemonContext& ctx) {
  auto state = std::make_shared<MetricsRouteState>();
  DaemonContext* context = &ctx;
  Handler handler = [context, state](Request&, Responder& responder) {
    return get_metrics(*context, state, responder);
  };
  router.add(http::verb::get, "/metrics", std::move(handler));
}

} // namespace aic::api
