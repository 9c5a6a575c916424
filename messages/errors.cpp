#include "messages/errors.hpp"

#include <cstring>

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace fovea {

std::string to_string(errc code) {
  switch (code) {
    case errc::unknown_job:
      return "unknown job";
    case errc::invalid_request:
      return "invalid request";
    case errc::no_coordinator:
      return "no coordinator";
    case errc::bad_model:
      return "bad model";
    case errc::bad_image:
      return "bad image";
    case errc::bad_config:
      return "bad config";
    case errc::no_such_file:
      return "no such file";
    case errc::storage_failed:
      return "storage failed";
    case errc::job_ended:
      return "job ended";
    case errc::not_permitted:
      return "not permitted";
    case errc::over_limit:
      return "over a limit";
    case errc::wrong_version:
      return "wrong version";
    case errc::worker_hung:
      return "hung";
    case errc::model_unserved:
      return "model not served";
    case errc::storage_unavailable:
      return "storage unavailable";
    case errc::busy:
      return "busy";
    case errc::deadline_passed:
      return "deadline passed";
  }
  return "unknown fovea error";
}

caf::error file_error(const std::string& file, const std::string& what,
                      int number) {
  return make_error(errc::storage_failed,
                    file + ": " + what + ": " + std::strerror(number));
}

caf::error make_error(errc code, std::string context) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(context))};
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() == error_category) {
    auto text = to_string(static_cast<errc>(err.code()));
    if (err.context().match_elements<std::string>()
        && !err.context().get_as<std::string>(0).empty())
      text += ": " + err.context().get_as<std::string>(0);
    return text;
  }
  if (err.category() == caf::atom("system"))
    return caf::to_string(static_cast<caf::sec>(err.code()));
  return caf::to_string(err);
}

} // namespace fovea
