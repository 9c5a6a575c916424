#include "edge/connection_limits.hpp"

namespace fovea {

std::string connection_limits::admit(const std::string& address) {
  if (total_ >= total_limit_)
    return "the edge holds " + std::to_string(total_) + " connections ("
           + total_key_ + ")";
  auto& count = by_address_[address];
  if (count >= per_address_limit_)
    return std::to_string(count) + " connections from " + address
           + " already (" + per_address_key_ + ")";
  ++count;
  ++total_;
  return {};
}

void connection_limits::release(const std::string& address) {
  auto found = by_address_.find(address);
  if (found == by_address_.end())
    return;
  --total_;
  if (--found->second == 0)
    by_address_.erase(found);
}

size_t connection_limits::from(const std::string& address) const {
  auto found = by_address_.find(address);
  return found == by_address_.end() ? 0 : found->second;
}

} // namespace fovea
