#include "app/console.hpp"

#include <cstdio>
#include <mutex>

#include "app/log_line.hpp"

namespace fovea {

namespace {

std::mutex console_mutex;
bool json = false;     // guarded by console_mutex
std::string node_name; // guarded by console_mutex

void put(std::FILE* stream, const std::string& line, log_level level) {
  std::lock_guard<std::mutex> guard{console_mutex};
  if (json) {
    auto object = json_log_line(line, level, node_name,
                                std::chrono::system_clock::now());
    std::fputs(object.c_str(), stream);
  } else {
    std::fputs(line.c_str(), stream);
  }
  std::fputc('\n', stream);
  std::fflush(stream);
}

} // namespace

void say(const std::string& line) {
  put(stdout, line, log_level::info);
}

void complain(const std::string& line) {
  put(stderr, line,
      line.find("WARNING") != std::string::npos ? log_level::warning
                                                 : log_level::error);
}

void use_json_log(const std::string& node) {
  std::lock_guard<std::mutex> guard{console_mutex};
  json = true;
  node_name = node;
}

void set_log_node(const std::string& node) {
  std::lock_guard<std::mutex> guard{console_mutex};
  node_name = node;
}

} // namespace fovea
