// The runner's schedule (longest expected wait first) and the CI shards, on the real catalog.
#include <algorithm>
#include <filesystem>
#include <numeric>
#include <set>

#include <gtest/gtest.h>

#include "rdpfault/harness/runner.hpp"

namespace rdpfault::harness {
namespace {

const scenario::Catalog& catalog() {
  static const scenario::Catalog c =
      scenario::load_catalog((std::filesystem::path(RDPFAULT_TEST_DATA) / ".." / ".." / "scenarios" / "catalog").string());
  return c;
}

std::vector<const scenario::Scenario*> all() {
  std::vector<const scenario::Scenario*> v;
  for (const auto& s : catalog().scenarios) v.push_back(&s);
  return v;
}

TEST(Schedule, TheLongestExpectedWaitsStartFirst) {
  ASSERT_TRUE(catalog().diagnostics.empty());
  const auto v = all();
  ASSERT_GE(v.size(), 60u);
  const auto order = schedule(v);
  ASSERT_EQ(order.size(), v.size());
  EXPECT_EQ(std::set<std::size_t>(order.begin(), order.end()).size(), v.size()) << "a permutation";
  for (std::size_t i = 1; i < order.size(); ++i) {
    EXPECT_GE(expected_cost_ms(*v[order[i - 1]]), expected_cost_ms(*v[order[i]])) << v[order[i]]->name;
  }
  // A scenario whose broken run waits out the harness deadline costs at least that deadline,
  // and comes before one that fails at once.
  const scenario::Scenario* waits = nullptr;
  const scenario::Scenario* quick = nullptr;
  for (const auto* s : v) {
    if (s->name == "x224-no-answer") waits = s;
    if (s->name == "tls-cert-expired") quick = s;
  }
  ASSERT_TRUE(waits && quick);
  EXPECT_GE(expected_cost_ms(*waits), waits->client.timeout_ms);
  EXPECT_GT(expected_cost_ms(*waits), 5 * expected_cost_ms(*quick));
}

TEST(Shard, EveryScenarioRunsInExactlyOneShardAndTheShardsAreBalanced) {
  const auto v = all();
  long long total = 0;
  int largest = 0;
  for (const auto* s : v) {
    total += expected_cost_ms(*s);
    largest = std::max(largest, expected_cost_ms(*s));
  }
  for (int n : {1, 2, 3, 4, 8}) {
    std::multiset<std::string> seen;
    for (int k = 1; k <= n; ++k) {
      long long load = 0;
      for (auto i : shard(v, k, n)) {
        seen.insert(v[i]->name);
        load += expected_cost_ms(*v[i]);
      }
      // Greedy "least loaded first" never exceeds the ideal share by more than one scenario.
      EXPECT_LE(load, total / n + largest) << k << "/" << n;
    }
    EXPECT_EQ(seen.size(), v.size()) << n;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), v.size()) << "each exactly once, n=" << n;
  }
  // Stable: the same names whatever order the scenarios come in.
  auto reversed = v;
  std::reverse(reversed.begin(), reversed.end());
  for (int k = 1; k <= 4; ++k) {
    std::set<std::string> a, b;
    for (auto i : shard(v, k, 4)) a.insert(v[i]->name);
    for (auto i : shard(reversed, k, 4)) b.insert(reversed[i]->name);
    EXPECT_EQ(a, b) << k;
  }
  EXPECT_THROW(shard(v, 0, 4), std::invalid_argument);
  EXPECT_THROW(shard(v, 5, 4), std::invalid_argument);
}

}  // namespace
}  // namespace rdpfault::harness
