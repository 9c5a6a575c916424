// worker_registry: the workers a coordinator knows, by the address their
// messages come from and by the registration key the scheduler uses.
//
// Guarantees:
//   - every registered worker has exactly one key and one address, and a
//     lookup by either finds the same entry: the two indexes cannot drift,
//     because nothing outside this class can change one without the other;
//   - a key is never reused, not even after its worker is gone, so a late
//     answer for a forgotten key finds nothing rather than a newcomer;
//   - iteration is in address order, as the coordinator's views expect.
// A plain class template (the coordinator keys it by caf::actor_addr; the
// tests by strings), with no actors inside.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

namespace fovea {

template <class Address, class Entry>
class worker_registry {
public:
  using key_type = uint64_t;

  struct record {
    key_type key;
    Entry entry;
  };

  /// Registers a worker at `address` with a new key; an address already
  /// registered keeps its key and entry. Returns the record and whether it
  /// is new.
  std::pair<record&, bool> add(const Address& address, Entry entry = {}) {
    auto [it, added] = by_address_.try_emplace(address);
    if (added) {
      it->second = record{next_key_++, std::move(entry)};
      by_key_.emplace(it->second.key, address);
    }
    return {it->second, added};
  }

  /// The worker at `address`, or null.
  record* find(const Address& address) {
    auto it = by_address_.find(address);
    return it == by_address_.end() ? nullptr : &it->second;
  }
  const record* find(const Address& address) const {
    return const_cast<worker_registry*>(this)->find(address);
  }

  /// The worker registered under `key`, or null (also once it is gone).
  record* find(key_type key) {
    auto address = by_key_.find(key);
    return address == by_key_.end() ? nullptr : find(address->second);
  }
  const record* find(key_type key) const {
    return const_cast<worker_registry*>(this)->find(key);
  }

  /// The address of the worker registered under `key`, or null.
  const Address* address_of(key_type key) const {
    auto address = by_key_.find(key);
    return address == by_key_.end() ? nullptr : &address->second;
  }

  /// Forgets the worker at `address`; false if there was none.
  bool erase(const Address& address) {
    auto it = by_address_.find(address);
    if (it == by_address_.end())
      return false;
    by_key_.erase(it->second.key);
    by_address_.erase(it);
    return true;
  }

  size_t size() const noexcept { return by_address_.size(); }
  bool empty() const noexcept { return by_address_.empty(); }

  /// (address, record) pairs in address order.
  auto begin() { return by_address_.begin(); }
  auto end() { return by_address_.end(); }
  auto begin() const { return by_address_.begin(); }
  auto end() const { return by_address_.end(); }

private:
  std::map<Address, record> by_address_;
  std::map<key_type, Address> by_key_;
  key_type next_key_ = 1;
};

} // namespace fovea
