#include "jobs/csv.hpp"

namespace fovea {

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    auto c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        fields.back() += line[++i];
      else if (c == '"')
        quoted = false;
      else
        fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r' && c != '\n') {
      fields.back() += c;
    }
  }
  return fields;
}

bool read_csv_record(std::FILE* file, std::string& record) {
  record.clear();
  bool quoted = false;
  for (int c; (c = std::getc(file)) != EOF;) {
    record += static_cast<char>(c);
    // Quotes inside a quoted field come doubled, so parity tells whether
    // a line break ends the record or belongs to a field.
    if (c == '"')
      quoted = !quoted;
    else if (c == '\n' && !quoted)
      return true;
  }
  return !record.empty();
}

} // namespace fovea
