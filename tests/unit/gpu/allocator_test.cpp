#include "gpu/allocator.hpp"

#include <algorithm>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <random>

namespace aic::gpu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

/// Inventory I4 of the design notes: two 24 GiB and two 80 GiB cards.
std::vector<Device> i4() {
  return {{"GPU-a0", 0, "L4", 24 * kGiB},
          {"GPU-a1", 1, "L4", 24 * kGiB},
          {"GPU-a2", 2, "H100", 80 * kGiB},
          {"GPU-a3", 3, "H100", 80 * kGiB}};
}

Request count(std::string service, int n, int replica = 1) {
  Request r;
  r.service = std::move(service);
  r.replica = replica;
  r.count = n;
  r.capabilities = {"gpu"};
  r.driver = "nvidia";
  return r;
}

Request pinned(std::string service, std::vector<std::string> ids) {
  Request r = count(std::move(service), 0);
  r.ids = std::move(ids);
  return r;
}

Request shared(std::string service, int replica, std::uint64_t memory, Policy policy) {
  Request r = count(std::move(service), 1, replica);
  r.mode = Mode::Shared;
  r.memory = memory;
  r.policy = policy;
  return r;
}

/// "service-replica:uuid,uuid" per placement, in request order.
std::vector<std::string> where(const Result<std::vector<Placement>>& placed) {
  std::vector<std::string> out;
  if (!placed) {
    ADD_FAILURE() << placed.error().describe();
    return out;
  }
  for (const auto& p : *placed) {
    std::string line = replica_name(p.service, p.replica) + ":";
    for (std::size_t i = 0; i < p.uuids.size(); ++i) {
      line += (i ? "," : "") + p.uuids[i];
    }
    out.push_back(p.on_cpu ? line + "cpu" : line);
  }
  return out;
}

std::string failure(const Result<std::vector<Placement>>& placed) {
  if (placed) {
    ADD_FAILURE() << "placement unexpectedly succeeded";
    return "";
  }
  std::string all = placed.error().message();
  for (const auto& d : placed.error().details()) {
    all += "\n" + d;
  }
  return all;
}

TEST(GpuPlacement, CountOneServicesGetDifferentCards) { // 1
  EXPECT_THAT(where(place({count("a", 1), count("b", 1)}, i4(), {})),
              ElementsAre("a-1:GPU-a0", "b-1:GPU-a1"));
}

TEST(GpuPlacement, WhatDoesNotFitFailsTheWholeProjectNamingTheHolders) { // 2
  Result<std::vector<Placement>> placed =
      place({count("a", 2), count("b", 1), count("c", 2)}, i4(), {});
  std::string why = failure(placed);
  EXPECT_EQ(placed.error().code(), ErrorCode::Conflict);
  EXPECT_THAT(why, HasSubstr("cannot place b-1: needs 1 GPU (exclusive), 0 of 4 eligible"));
  EXPECT_THAT(why, HasSubstr("GPU0 GPU-a0 held by a-1"));
  EXPECT_THAT(why, HasSubstr("GPU3 GPU-a3 held by c-1"));
  EXPECT_THAT(why, HasSubstr("nothing was created"));
}

TEST(GpuPlacement, PinnedDevicesArePlacedFirst) { // 3
  EXPECT_THAT(where(place({count("b", 1), pinned("a", {"2"})}, i4(), {})),
              ElementsAre("b-1:GPU-a0", "a-1:GPU-a2"));
}

TEST(GpuPlacement, IndexAndUuidNameTheSameCard) { // 4
  std::string why = failure(place({pinned("a", {"GPU-a1"}), pinned("b", {"1"})}, i4(), {}));
  EXPECT_THAT(why, HasSubstr("service \"b\": device_ids [\"1\"]: GPU1 GPU-a1 is held by a-1"));
}

TEST(GpuPlacement, ExclusiveMemoryRequestGetsTheSmallestSufficientCard) { // 5
  Request a = count("a", 1);
  a.memory = 40 * kGiB;
  EXPECT_THAT(where(place({a}, i4(), {})), ElementsAre("a-1:GPU-a2"));
}

TEST(GpuPlacement, SharedSpreadPutsReplicasOnTheLeastUsedCards) { // 6
  EXPECT_THAT(where(place({shared("w", 1, 8 * kGiB, Policy::Spread),
                           shared("w", 2, 8 * kGiB, Policy::Spread),
                           shared("w", 3, 8 * kGiB, Policy::Spread)},
                          i4(), {})),
              ElementsAre("w-1:GPU-a0", "w-2:GPU-a1", "w-3:GPU-a2"));
}

TEST(GpuPlacement, SharedBinpackFillsACardBeforeTheNext) { // 7
  std::vector<Request> four;
  for (int i = 1; i <= 4; ++i) {
    four.push_back(shared("w", i, 8 * kGiB, Policy::Binpack));
  }
  EXPECT_THAT(where(place(four, i4(), {})),
              ElementsAre("w-1:GPU-a0", "w-2:GPU-a0", "w-3:GPU-a0", "w-4:GPU-a1"));
}

TEST(GpuPlacement, CardTakenByAForeignCountRequestIsAvoided) { // 8
  Ledger ledger;
  add_foreign(ledger, "jupyter", 1, {}, i4()); // the engine gives Count 1 the lowest index
  EXPECT_THAT(where(place({count("a", 2)}, i4(), ledger)), ElementsAre("a-1:GPU-a1,GPU-a2"));
}

TEST(GpuPlacement, ForeignGpusAllIsASharedHoldEverywhere) { // 9
  Ledger ledger;
  add_foreign(ledger, "y", -1, {}, i4());
  std::string why = failure(place({count("a", 1)}, i4(), ledger));
  EXPECT_THAT(why, HasSubstr("used by non-aic container \"y\""));
  EXPECT_THAT(where(place({shared("s", 1, 4 * kGiB, Policy::Spread)}, i4(), ledger)),
              ElementsAre("s-1:GPU-a0"));
}

TEST(GpuPlacement, HoldsRebuiltFromLabelsStayWhereTheyAre) { // 10
  Ledger ledger;
  ledger["GPU-a1"].push_back(Hold{"a-1", false, Mode::Exclusive, 0});
  EXPECT_THAT(where(place({count("b", 1)}, i4(), ledger)), ElementsAre("b-1:GPU-a0"));
}

TEST(GpuPlacement, ScalingUpPlacesOnlyTheNewReplicas) { // 11
  Ledger ledger;
  ledger["GPU-a0"].push_back(Hold{"a-1", false, Mode::Exclusive, 0});
  std::vector<Request> added = {count("a", 1, 2), count("a", 1, 3)};
  Result<std::vector<Placement>> placed = place(added, i4(), ledger);
  EXPECT_THAT(where(placed), ElementsAre("a-2:GPU-a1", "a-3:GPU-a2"));
  commit(ledger, added, *placed);
  EXPECT_EQ(ledger["GPU-a2"].front().holder, "a-3");
  // Scaling down removes a-3 and a-2: their cards are free again.
  ledger.erase("GPU-a1");
  ledger.erase("GPU-a2");
  EXPECT_THAT(where(place({count("b", 2)}, i4(), ledger)), ElementsAre("b-1:GPU-a1,GPU-a2"));
}

TEST(GpuPlacement, NoGpuFailsUnlessTheRequestIsOptional) { // 12
  std::string why = failure(place({count("inference", 1)}, {}, {}));
  EXPECT_THAT(why, HasSubstr("no GPU was found"));
  Request optional = count("inference", 1);
  optional.optional = true;
  EXPECT_THAT(where(place({optional}, {}, {})), ElementsAre("inference-1:cpu"));
}

TEST(GpuPlacement, CountAllTakesEveryCard) {
  Request all = count("a", -1);
  all.mode = Mode::Shared;
  EXPECT_THAT(where(place({all}, i4(), {})), ElementsAre("a-1:GPU-a0,GPU-a1,GPU-a2,GPU-a3"));
  Ledger ledger;
  ledger["GPU-a3"].push_back(Hold{"x-1", false, Mode::Exclusive, 0});
  EXPECT_THAT(failure(place({all}, i4(), ledger)), HasSubstr("held by x-1 exclusively"));
}

TEST(GpuPlacement, UnknownCapabilityOrDriverIsRefused) {
  Request tpu = count("t", 1);
  tpu.capabilities = {"tpu"};
  EXPECT_THAT(failure(place({tpu}, i4(), {})), HasSubstr("capability \"tpu\""));
  Request other = count("o", 1);
  other.driver = "amd";
  EXPECT_THAT(failure(place({other}, i4(), {})), HasSubstr("no device driver \"amd\""));
}

TEST(GpuPlacement, MigCardsAreOnlyReachedByPinning) {
  std::vector<Device> inventory = i4();
  inventory[3].mig = true;
  inventory[3].uuid = "MIG-b3";
  EXPECT_THAT(failure(place({count("a", 4)}, inventory, {})),
              HasSubstr("needs 4 GPU (exclusive), 3 of 3 eligible"));
  EXPECT_THAT(where(place({pinned("m", {"MIG-b3"})}, inventory, {})), ElementsAre("m-1:MIG-b3"));
}

TEST(GpuPlacement, UnknownOrAmbiguousIdsAreNamed) {
  EXPECT_THAT(failure(place({pinned("b", {"7"})}, i4(), {})),
              HasSubstr("device_ids [\"7\"]: no such GPU"));
  EXPECT_THAT(failure(place({pinned("b", {"GPU-a"})}, i4(), {})), HasSubstr("no such GPU"));
  EXPECT_THAT(where(place({pinned("b", {"GPU-a3"})}, i4(), {})), ElementsAre("b-1:GPU-a3"));
}

TEST(GpuPlacement, SharedMemoryNeverExceedsACardAndHeadroomIsKept) {
  std::vector<Request> big = {shared("s", 1, 20 * kGiB, Policy::Binpack),
                              shared("s", 2, 20 * kGiB, Policy::Binpack)};
  // 24 GiB cards with 4 GiB headroom hold one 20 GiB replica each.
  EXPECT_THAT(where(place(big, {i4()[0], i4()[1]}, {}, 4 * kGiB)),
              ElementsAre("s-1:GPU-a0", "s-2:GPU-a1"));
  EXPECT_THAT(failure(place(big, {i4()[0]}, {}, 4 * kGiB)), HasSubstr("no room for 20 GiB"));
}

TEST(GpuPlacement, TheSameRequestsInAnyOrderGiveTheSamePlacement) {
  std::vector<Request> requests = {count("a", 1), count("b", 1), pinned("c", {"3"}),
                                   shared("d", 1, 8 * kGiB, Policy::Spread)};
  std::vector<std::string> first = where(place(requests, i4(), {}));
  EXPECT_THAT(first, ElementsAre("a-1:GPU-a0", "b-1:GPU-a1", "c-1:GPU-a3", "d-1:GPU-a2"));
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    std::vector<Request> shuffled = requests;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<std::string> again = where(place(shuffled, i4(), {}));
    std::sort(again.begin(), again.end());
    std::vector<std::string> expected = first;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(again, expected);
  }
}

TEST(GpuPlacement, CountAndIdsTogetherAreRefused) {
  Request both = count("b", 1);
  both.ids = {"0"};
  EXPECT_THAT(failure(place({both}, i4(), {})), HasSubstr("are exclusive"));
}

TEST(GpuPlacement, ARecreatedReplicaKeepsItsCardWhileItIsStillEligible) {
  Ledger ledger;
  ledger["GPU-a0"].push_back(Hold{"other-1", false, Mode::Exclusive, 0});
  Request again = count("a", 1);
  again.prefer = {"GPU-a2"};
  EXPECT_THAT(where(place({again}, i4(), ledger)), ElementsAre("a-1:GPU-a2"));
  // The card it had is taken now: it moves to the next by the policy.
  again.prefer = {"GPU-a0"};
  EXPECT_THAT(where(place({again}, i4(), ledger)), ElementsAre("a-1:GPU-a1"));
}

TEST(GpuPlacement, AForeignCountHoldsTheLowestIndexesEvenWithACardMissing) {
  // NVML could not open index 1: the engine still hands out indexes 0 and 1 for count 2.
  std::vector<Device> three = {{"GPU-a0", 0, "L4", 24 * kGiB},
                               {"GPU-a2", 2, "L4", 24 * kGiB},
                               {"GPU-a3", 3, "L4", 24 * kGiB}};
  Ledger ledger;
  add_foreign(ledger, "jupyter", 2, {}, three);
  EXPECT_EQ(ledger.count("GPU-a0"), 1U);
  EXPECT_EQ(ledger.count("GPU-a2"), 0U);
  EXPECT_THAT(where(place({count("a", 2)}, three, ledger)), ElementsAre("a-1:GPU-a2,GPU-a3"));
}

} // namespace
} // namespace aic::gpu
