#include "edge/connection_limits.hpp"

#include <algorithm>

namespace fovea {

std::string connection_source(const boost::asio::ip::address& address) {
  if (!address.is_v6())
    return address.to_string();
  auto v6 = address.to_v6();
  if (v6.is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6)
      .to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6{bytes}.to_string() + "/64";
}

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
