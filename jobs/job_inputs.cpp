#include "jobs/job_inputs.hpp"

namespace fovea {

namespace {

class held_inputs final : public input_source {
public:
  explicit held_inputs(std::shared_ptr<const std::vector<input_item>> items)
    : items_(std::move(items)) {
  }

  bool next(input_item& item) override {
    if (next_ == items_->size())
      return false;
    item = (*items_)[next_++];
    return true;
  }

private:
  std::shared_ptr<const std::vector<input_item>> items_;
  size_t next_ = 0;
};

// Counts a pass into `inputs`.
void take_census(input_source& pass, job_inputs& inputs) {
  input_fingerprint_builder built;
  for (input_item item; pass.next(item);)
    built.add(item);
  inputs.total = built.count();
  inputs.fingerprint = built.paths();
  inputs.contents = built.contents();
}

} // namespace

walked_inputs walk_inputs(std::vector<std::string> args,
                          walk_options options) {
  walked_inputs out;
  input_walk first{args, options};
  take_census(first, out.inputs);
  out.not_images = first.not_images();
  out.linked_directories = first.linked_directories();
  out.inputs.open = [args = std::move(args), options = std::move(options)] {
    return std::make_unique<input_walk>(args, options);
  };
  return out;
}

job_inputs inputs_in_memory(std::vector<input_item> items) {
  job_inputs out;
  auto held = std::make_shared<const std::vector<input_item>>(std::move(items));
  out.open = [held] { return std::make_unique<held_inputs>(held); };
  auto first = out.open();
  take_census(*first, out);
  return out;
}

} // namespace fovea
