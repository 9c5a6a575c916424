#include "edge/oip_model.hpp"

#include <algorithm>
#include <cstring>

#include "messages/errors.hpp"

namespace fovea {

std::vector<std::string>
oip_classification(const std::vector<std::vector<float>>& probabilities,
                   uint32_t k, const std::vector<std::string>& labels) {
  std::vector<std::string> strings;
  strings.reserve(probabilities.size() * k);
  for (auto& row : probabilities) {
    std::vector<size_t> order(row.size());
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    auto best = std::min<size_t>(k, order.size());
    std::partial_sort(order.begin(), order.begin() + best, order.end(),
                      [&](size_t a, size_t b) {
                        return row[a] > row[b] || (row[a] == row[b] && a < b);
                      });
    for (size_t i = 0; i < best; ++i) {
      auto index = order[i];
      strings.push_back(std::to_string(row[index]) + ":"
                        + std::to_string(index) + ":"
                        + (index < labels.size() ? labels[index]
                                                 : std::to_string(index)));
    }
  }
  return strings;
}

caf::error read_length_prefixed(std::string_view rest,
                                uint64_t max_image_bytes,
                                const std::string& field,
                                std::vector<std::vector<uint8_t>>& out) {
  auto bad = [&](size_t i, const std::string& why) {
    return make_error(errc::invalid_request, field + ": element "
                                               + std::to_string(i) + why);
  };
  for (size_t i = 0; i < out.size(); ++i) {
    uint32_t length = 0;
    if (rest.size() < 4)
      return bad(i, " has no 4-byte length");
    std::memcpy(&length, rest.data(), 4); // little-endian, as the host
    rest.remove_prefix(4);
    if (length > max_image_bytes)
      return bad(i, " is " + std::to_string(length) + " bytes, over "
                      + std::to_string(max_image_bytes));
    if (length > rest.size())
      return bad(i, " is cut off");
    out[i].assign(rest.begin(), rest.begin() + length);
    rest.remove_prefix(length);
  }
  if (!rest.empty())
    return make_error(errc::invalid_request,
                      field + ": " + std::to_string(rest.size())
                        + " bytes past its " + std::to_string(out.size())
                        + " elements");
  return caf::none;
}

} // namespace fovea
