// UpRun's GPU placement (docs/gpus.md): one all-or-nothing placement of every replica the plan
// creates, against the holds on the whole machine, before the first container is created.

#include "plan/naming.hpp"
#include "supervisor/up_run.hpp"

#include <algorithm>
#include <set>

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
  const compose::ProjectSpec& spec = project_.spec;
  Result<GpuSnapshot> snapshot = co_await gpus_->observe(spec.name);
  if (!snapshot) {
    co_return std::move(snapshot).error().with_context("reading which GPUs are held");
  }
  planned_gpus_ = true;
  gpu::Ledger ledger = std::move(snapshot->ledger);
  std::set<std::string> present;
  for (const auto& d : snapshot->inventory.devices) {
    present.insert(d.uuid);
  }

  std::vector<gpu::Request> requests;
  for (const auto& [service, g] : gpu_requests_) {
    auto run = runs_.find(service);
    if (run == runs_.end()) {
      continue;
    }
    for (const auto& step : run->second.plan.steps) {
      const LabelledHold* old = nullptr;
      if (auto it = gpu_labels_.find(step.existing_id); it != gpu_labels_.end()) {
        old = &it->second;
      }
      const std::pair<std::string, int> key{service, step.number};
      if (step.action == plan::StepAction::Remove) {
        release(ledger, step.existing_name); // scaled down: its devices are free for the others
        continue;
      }
      if (step.action == plan::StepAction::Keep) {
        if (old) {
          placed_[key] = gpu::Placement{service, step.number, old->uuids, old->uuids.empty()};
        }
        continue;
      }
      bool still_valid = old && !old->uuids.empty() && old->request == g.hash &&
                         std::all_of(old->uuids.begin(), old->uuids.end(),
                                     [&](const std::string& u) { return present.count(u) != 0; });
      if (step.action == plan::StepAction::Recreate && still_valid) {
        placed_[key] = gpu::Placement{service, step.number, old->uuids, false}; // sticky
        continue;
      }
      gpu::Request r = g.request;
      r.replica = step.number;
      if (!step.existing_name.empty()) {
        release(ledger, step.existing_name);
      }
      if (old) {
        r.prefer = old->uuids;
      }
      requests.push_back(std::move(r));
    }
  }
  if (requests.empty()) {
    co_return Result<void>{};
  }
  Result<std::vector<gpu::Placement>> placed =
      gpu::place(requests, snapshot->inventory.devices, ledger, settings->headroom);
  if (!placed) {
    Error e = placed.error();
    if (snapshot->inventory.devices.empty()) {
      co_return Error(e.code(), e.message(), {"GPU inventory: " + snapshot->inventory.detail});
    }
    co_return e;
  }
  std::vector<std::pair<std::string, gpu::Hold>> holds;
  for (std::size_t i = 0; i < placed->size(); ++i) {
    const gpu::Request& r = requests[i];
    const gpu::Placement& p = (*placed)[i];
    placed_[{r.service, r.replica}] = p;
    std::string name = plan::container_name(spec, *spec.service(r.service), r.replica);
    for (const auto& uuid : p.uuids) {
      holds.push_back({uuid, gpu::Hold{name, false, r.mode, r.memory}});
    }
  }
  gpus_->hold_planned(spec.name, std::move(holds));
  co_return Result<void>{};
}

} // namespace aic::supervisor
