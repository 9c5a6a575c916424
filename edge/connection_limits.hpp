// connection_limits: how many connections an edge holds, in all and from
// each source address, and whether one more may come in.
//
// Guarantees: admit() never lets the total pass `total` nor one address's
// count pass `per_address`; every admitted connection is counted until its
// release(); the table holds an entry only for addresses with connections.
// Not thread-safe: an edge uses it from its one network thread.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace fovea {

/// Where a connection from `address` counts against a per-address cap: the
/// address, or for IPv6 its /64, which one host usually holds whole (an
/// IPv4-mapped address counts as its IPv4 one).
std::string connection_source(const boost::asio::ip::address& address);

class connection_limits {
public:
  /// `keys`: the settings the limits come from, named in refusals.
  connection_limits(size_t total, size_t per_address,
                    std::string total_key = "fovea.max-connections",
                    std::string per_address_key =
                        "fovea.max-connections-per-address")
      : total_limit_(total), per_address_limit_(per_address),
        total_key_(std::move(total_key)),
        per_address_key_(std::move(per_address_key)) {}

  /// Counts one more connection from `address`; returns why not (empty if
  /// admitted, in which case release() must follow).
  std::string admit(const std::string& address);

  void release(const std::string& address);

  size_t total() const noexcept { return total_; }

  size_t from(const std::string& address) const;

private:
  size_t total_limit_;
  size_t per_address_limit_;
  std::string total_key_;
  std::string per_address_key_;
  size_t total_ = 0;
  std::unordered_map<std::string, size_t> by_address_;
};

} // namespace fovea
