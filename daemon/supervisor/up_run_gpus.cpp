// UpRun's GPU placement (docs/gpus.md): one all-or-nothing placement of every replica the plan
// creates, against the holds on the whole machine, before the first container is created.

#include "plan/naming.hpp"
#include "supervisor/up_run.hpp"

#include <algorithm>

namespace aic::supervisor {

namespace asio = boost::asio;

asio::awaitable<Result<void>> UpRun::place_gpus() {
  if (!gpus_ || gpu_requests_.empty()) {
    co_return Result<void>{};
  }
  Result<plan::ProjectGpuSettings> settings = plan::project_gpu_settings(project_.loaded.model);
  if (!settings) {
    co_return std::move(settings).error();
  }
  Result<GpuSnapshot> snapshot = co_await gpus_->observe(project_.spec.name);
  if (!snapshot) {
    co_return std::move(snapshot).error().with_context("reading which GPUs are held");
  }
  planned_gpus_ = true;
  gpu_ledger_ = std::move(snapshot->ledger);
  gpu_devices_ = std::move(snapshot->inventory.devices);
  gpu_inventory_detail_ = snapshot->inventory.detail;
  gpu_headroom_ = settings->headroom;
  // What this run removes or replaces frees its cards for the rest of the plan, whatever the
  // service: a GPU moved from one service to another in one edit, a renamed service's orphan.
  for (const auto& [service, run] : runs_) {
    for (const auto& step : run.plan.steps) {
      if (step.action == plan::StepAction::Remove || step.action == plan::StepAction::Recreate) {
        release(gpu_ledger_, step.existing_name);
      }
    }
  }
  if (options_.remove_orphans) {
    for (const auto& o : plan_.orphans) {
      release(gpu_ledger_, o.name);
    }
  }
  co_return place_missing_gpus();
}

Result<void> UpRun::place_missing_gpus() {
  if (!planned_gpus_) {
    return {};
  }
  const compose::ProjectSpec& spec = project_.spec;
  std::vector<gpu::Request> requests;
  for (const auto& [service, g] : gpu_requests_) {
    auto run = runs_.find(service);
    if (run == runs_.end()) {
      continue;
    }
    for (const auto& step : run->second.plan.steps) {
      const std::pair<std::string, int> key{service, step.number};
      if (step.action == plan::StepAction::Remove || placed_.count(key) != 0) {
        continue;
      }
      const LabelledHold* old = nullptr;
      if (auto it = gpu_labels_.find(step.existing_id); it != gpu_labels_.end()) {
        old = &it->second;
      }
      if (step.action == plan::StepAction::Keep) {
        // A kept container keeps what it holds: aicd's labels, or (made by another tool) the
        // engine's own choice, which the ledger counts from its DeviceRequests.
        if (old) {
          placed_[key] = gpu::Placement{service, step.number, old->uuids, old->uuids.empty()};
        }
        continue;
      }
      // Created, or recreated: placed, preferring the cards it had while they are eligible.
      if (!step.existing_name.empty()) {
        release(gpu_ledger_, step.existing_name);
      }
      gpu::Request r = g.request;
      r.replica = step.number;
      if (old) {
        r.prefer = old->uuids;
      }
      requests.push_back(std::move(r));
    }
  }
  if (requests.empty()) {
    return {};
  }
  Result<std::vector<gpu::Placement>> placed =
      gpu::place(requests, gpu_devices_, gpu_ledger_, gpu_headroom_);
  if (!placed) {
    Error e = placed.error();
    if (gpu_devices_.empty()) {
      // What each replica needed, then why there are no cards at all.
      std::vector<std::string> details = e.details();
      if (!gpu_inventory_detail_.empty()) {
        details.push_back("GPU inventory: " + gpu_inventory_detail_);
      }
      return Error(e.code(), e.message(), std::move(details));
    }
    return e;
  }
  for (std::size_t i = 0; i < placed->size(); ++i) {
    const gpu::Request& r = requests[i];
    const gpu::Placement& p = (*placed)[i];
    placed_[{r.service, r.replica}] = p;
    std::string name = plan::container_name(spec, *spec.service(r.service), r.replica);
    for (const auto& uuid : p.uuids) {
      gpu::Hold hold{name, false, r.mode, r.memory};
      gpu_ledger_[uuid].push_back(hold);
      gpu_holds_.push_back({uuid, hold});
    }
  }
  gpus_->hold_planned(spec.name, gpu_holds_);
  return {};
}

} // namespace aic::supervisor
