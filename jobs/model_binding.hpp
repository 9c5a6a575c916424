// model_binding: which model a job runs on.
//
// A job names a model as `NAME`, `NAME@VERSION` or not at all; workers
// register serving one `name@version` each, identified by its model.pt's
// SHA-256. choose_model() turns a request and what the cluster serves now
// into one exact model, a reason to wait for one, or a refusal.
//
// Guarantees:
// - a bound job names one (name, version, SHA-256): every row of it comes
//   from that model, and two models never share a `name@version`
//   (conflicting_model() says when a registration would break that);
// - `NAME` alone means its newest version served now; no name means the
//   one model name the cluster serves (its newest version), and a cluster
//   serving several names refuses, listing them, rather than pick one;
// - a job resumed from its journal asks for the model.pt it began with
//   (its digest) and gets exactly that; a resume whose --model names
//   another name@version than its rows' is refused (resume_conflict());
// - a model no worker serves yet is a reason to wait, never a refusal: the
//   worker may still come (the coordinator gives up after a while).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "messages/model_label.hpp"

namespace fovea {

struct model_choice {
  enum class outcome { bound, waiting, refused };
  outcome what = outcome::waiting;
  model_id model;  ///< when bound
  std::string why; ///< when waiting or refused: for the user
};

/// Binds `request` to one of `served` (what the workers that take new work
/// serve, in any order, repeats allowed).
model_choice choose_model(const model_request& request,
                          const std::vector<model_id>& served);

/// Why a job whose journaled rows came from `journaled` (name@version,
/// empty if none has a model yet) cannot resume under --model `request`
/// (NAME, NAME@VERSION or empty): the empty string when it can.
std::string resume_conflict(const std::string& journaled,
                            const std::string& request);

/// The model among `registered` that has `candidate`'s name and version
/// but another SHA-256, if any.
std::optional<model_id>
conflicting_model(const model_id& candidate,
                  const std::vector<model_id>& registered);

} // namespace fovea
