#include "app/console.hpp"

#include <cstdio>
#include <mutex>

namespace fovea {

namespace {

std::mutex console_mutex;

void put(std::FILE* stream, const std::string& line) {
  std::lock_guard<std::mutex> guard{console_mutex};
  std::fputs(line.c_str(), stream);
  std::fputc('\n', stream);
  std::fflush(stream);
}

} // namespace

void say(const std::string& line) {
  put(stdout, line);
}

void complain(const std::string& line) {
  put(stderr, line);
}

} // namespace fovea
