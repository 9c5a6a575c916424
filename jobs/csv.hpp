// Reading CSV records: RFC 4180 quoting; a record ends at a line break
// outside quotes (one inside a quoted field, as in a path, belongs to it).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace fovea {

/// Splits one record into its fields ("a,\"b,c\"" -> a | b,c); the line
/// break that ends it, if there, is not part of the last field.
std::vector<std::string> csv_fields(const std::string& line);

/// Reads one record (up to a line break outside quotes) into `record`,
/// line break included; false at the end of the file.
bool read_csv_record(std::FILE* file, std::string& record);

} // namespace fovea
