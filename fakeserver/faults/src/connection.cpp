#include "rdpfault/faults/connection.hpp"

#include <algorithm>

namespace rdpfault::faults {

ConnectionFaults::ConnectionFaults(const std::vector<Fault>& faults, std::uint64_t connection)
    : faults_(&faults), connection_(connection), fired_(faults.size(), false) {
  for (std::size_t i = 0; i < faults.size(); ++i) {
    if (!faults[i].connections.matches(connection)) {
      fired_[i] = true;  // Never due on this connection.
    } else if (faults[i].is_stream()) {
      has_stream_ = true;
      fired_[i] = true;  // Stream faults are the link's, not a point's.
    }
  }
}

std::vector<Due> ConnectionFaults::take(Hook hook, Phase phase) {
  std::vector<Due> out;
  if (!faults_) return out;
  for (std::size_t i = 0; i < faults_->size(); ++i) {
    const auto& f = (*faults_)[i];
    if (fired_[i] || f.where.hook != hook || f.where.phase != phase) continue;
    fired_[i] = true;
    out.push_back({&f, i});
    const auto acts = f.unit->actions();
    if (!acts.empty() && is_terminal(acts.back())) break;  // Nothing fires after the end.
  }
  return out;
}

bool ConnectionFaults::pending(Hook hook, Phase phase) const {
  if (!faults_) return false;
  for (std::size_t i = 0; i < faults_->size(); ++i) {
    const auto& f = (*faults_)[i];
    if (!fired_[i] && f.where.hook == hook && f.where.phase == phase) return true;
  }
  return false;
}

std::vector<Due> ConnectionFaults::active_schedule() const {
  std::vector<Due> out;
  if (!faults_) return out;
  for (std::size_t i = 0; i < faults_->size(); ++i) {
    if (!fired_[i] && (*faults_)[i].where.hook == Hook::active_timer) out.push_back({&(*faults_)[i], i});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Due& a, const Due& b) { return a.fault->where.after_ms < b.fault->where.after_ms; });
  return out;
}

void ConnectionFaults::fired(std::size_t index) {
  if (index < fired_.size()) fired_[index] = true;
}

}  // namespace rdpfault::faults
