#include "app/log_line.hpp"

#include <array>
#include <ctime>
#include <regex>
#include <utility>

namespace fovea {

namespace {

// The phrases of the node's lines (actors/coordinator*.cpp, worker.cpp,
// app/node*.cpp), first match wins: more specific phrases come first.
constexpr std::array<std::pair<const char*, const char*>, 19> phrases{{
  {" ready on ", "ready"},
  {" ready: registered with ", "ready"},
  {"metrics on ", "http_listening"},
  {") opened by ", "job_opened"},
  {") finished: ", "job_finished"},
  {") failed: ", "job_failed"},
  {") cancelled", "job_cancelled"},
  {") paused: ", "job_paused"},
  {") dropped: ", "job_dropped"},
  {") resumed: ", "job_resumed"},
  {") waits: ", "job_waiting"},
  {" registered from ", "worker_registered"},
  {" lost (", "worker_lost"},
  {"not answered within task-timeout", "task_timeout"},
  {": draining", "draining"},
  {") draining: ", "draining"},
  {" drained", "drained"},
  {"lost the coordinator", "coordinator_lost"},
  {" stopped", "stopped"},
}};

const std::regex job_pattern{R"(job (\d+) \(([^)]*)\))"};
const std::regex worker_pattern{R"((?:^|: )(?:fovea )?worker ([A-Za-z0-9._-]+))"};

void append_escaped(std::string& out, const std::string& text) {
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20) {
      char code[8];
      std::snprintf(code, sizeof(code), "\\u%04x", c);
      out += code;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // A UTF-8 sequence is copied whole if well-formed (a file name of
    // another encoding becomes U+FFFD rather than invalid JSON).
    size_t length = c >= 0xF0 && c < 0xF5   ? 4
                    : c >= 0xE0             ? 3
                    : c >= 0xC2 && c < 0xE0 ? 2
                                            : 0;
    bool whole = length > 0 && i + length <= text.size();
    for (size_t k = 1; whole && k < length; ++k)
      whole = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (whole) {
      out.append(text, i, length);
      i += length - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out += '"';
}

void append_field(std::string& out, const char* key, const std::string& value) {
  out += ",\"";
  out += key;
  out += "\":";
  append_escaped(out, value);
}

std::string iso_time(std::chrono::system_clock::time_point when) {
  auto seconds = std::chrono::system_clock::to_time_t(when);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                  when.time_since_epoch())
                  .count()
                % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char with_millis[40];
  std::snprintf(with_millis, sizeof(with_millis), "%s.%03dZ", text,
                static_cast<int>(millis));
  return with_millis;
}

} // namespace

log_event classify_log_line(const std::string& line) {
  log_event result;
  for (auto& [phrase, event] : phrases)
    if (line.find(phrase) != std::string::npos) {
      result.event = event;
      break;
    }
  std::smatch match;
  if (std::regex_search(line, match, job_pattern)) {
    result.job_id = match[1];
    result.job_name = match[2];
  }
  if (std::regex_search(line, match, worker_pattern))
    result.worker = match[1];
  return result;
}

std::string json_log_line(const std::string& line, log_level level,
                          const std::string& node,
                          std::chrono::system_clock::time_point when) {
  constexpr const char* levels[] = {"info", "warning", "error"};
  auto event = classify_log_line(line);
  std::string out = "{\"time\":";
  append_escaped(out, iso_time(when));
  append_field(out, "level", levels[static_cast<int>(level)]);
  append_field(out, "node", node);
  append_field(out, "event", event.event);
  append_field(out, "message", line);
  if (!event.job_id.empty() || !event.worker.empty()) {
    out += ",\"fields\":{";
    std::string fields;
    if (!event.job_id.empty()) {
      append_field(fields, "job_id", event.job_id);
      append_field(fields, "job_name", event.job_name);
    }
    if (!event.worker.empty())
      append_field(fields, "worker", event.worker);
    out += fields.substr(1); // without the first comma
    out += '}';
  }
  out += '}';
  return out;
}

} // namespace fovea
