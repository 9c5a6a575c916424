#include "metrics/node_health.hpp"

namespace fovea {

std::string node_health::reason() const {
  switch (current()) {
    case phase::starting:
      return "starting: loading and warming up models, or not yet listening";
    case phase::unregistered:
      return "not registered with a coordinator";
    case phase::no_workers:
      return "no worker registered";
    case phase::ready:
      return "";
    case phase::stopping:
      return "stopping";
  }
  return "unknown";
}

} // namespace fovea
