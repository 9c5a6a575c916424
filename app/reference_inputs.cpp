#include "app/reference_inputs.hpp"

#include "messages/errors.hpp"
#include "storage/s3_listing.hpp"

namespace fovea {

namespace {

// An S3 listing as inputs; a failure is one last input carrying it.
class listed_inputs final : public input_source {
public:
  listed_inputs(std::string prefix,
                caf::expected<std::unique_ptr<s3_listing>> listing)
      : prefix_(std::move(prefix)) {
    if (listing)
      listing_ = std::move(*listing);
    else
      failure_ = describe(listing.error());
  }

  bool next(input_item& item) override {
    if (listing_) {
      s3_listed object;
      bool listed = false;
      // As in a local folder, only PNG and JPEG names are inputs.
      while ((listed = listing_->next(object)) &&
             !has_image_extension(object.reference)) {
      }
      if (listed) {
        item = {std::move(object.reference), {}, object.size, 0,
                reference_kind::s3};
        return true;
      }
      failure_ = listing_->error();
      listing_.reset();
    }
    if (failure_.empty())
      return false;
    item = {prefix_, std::move(failure_)};
    failure_.clear();
    return true;
  }

private:
  std::string prefix_;
  std::unique_ptr<s3_listing> listing_;
  std::string failure_;
};

} // namespace

walk_options reference_walk(const fovea_config& cfg, bool shared) {
  walk_options options;
  options.shared = shared;
  if (!cfg.s3_endpoint.empty())
    options.list_s3 = [storage = cfg.storage()](const std::string& prefix) {
      return std::make_unique<listed_inputs>(prefix,
                                             s3_listing::open(storage, prefix));
    };
  return options;
}

caf::expected<std::shared_ptr<reference_reader>>
worker_reference_reader(const fovea_config& cfg) {
  auto storage = cfg.storage();
  if (storage.none())
    return std::shared_ptr<reference_reader>{};
  return reference_reader::open(storage);
}

} // namespace fovea
