// Reading CSV records: RFC 4180 quoting, one record per line.
#pragma once

#include <string>
#include <vector>

namespace fovea {

/// Splits one line into its fields ("a,\"b,c\"" -> a | b,c).
std::vector<std::string> csv_fields(const std::string& line);

} // namespace fovea
