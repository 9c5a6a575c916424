// A whole job journal in memory, for tests that look inside one (fovea
// itself reads journals a part at a time: journal_reader).
#pragma once

#include <string>
#include <vector>

#include "jobs/job_journal.hpp"

namespace fovea::test {

struct journal_dump {
  journal_header header;
  std::vector<prediction> rows;
  std::vector<std::string> models;
  uint64_t valid_bytes = 0;
  uint64_t ignored_bytes = 0;
};

inline caf::expected<journal_dump> read_whole_journal(const std::string& path) {
  auto reader = journal_reader::open(path);
  if (!reader)
    return std::move(reader.error());
  journal_dump dump;
  dump.header = reader->header();
  std::vector<prediction> part;
  while (reader->next(part, 1000))
    dump.rows.insert(dump.rows.end(), part.begin(), part.end());
  dump.models = reader->models();
  dump.valid_bytes = reader->valid_bytes();
  dump.ignored_bytes = reader->ignored_bytes();
  return dump;
}

} // namespace fovea::test
