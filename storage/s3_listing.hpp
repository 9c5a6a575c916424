// s3_listing: the objects under an S3 prefix, a page at a time
// (ListObjectsV2), for a client that submits "s3://BUCKET/PREFIX/".
//
// Guarantees:
//   - Never more than one page (at most 1,000 objects, as S3 sends them)
//     is held: a prefix of 100M objects costs a client what one of 1,000
//     does.
//   - Objects come in the store's order (by key, as UTF-8 bytes), so two
//     listings of an unchanged prefix give the same inputs in the same
//     order; "folders" (keys ending in '/') are left out.
//   - The request is signed with SigV4 (the query canonicalised as SigV4
//     requires, which libcurl 7.88's own signer does not do), goes to
//     fovea.s3-endpoint only and never follows a redirect; a store that
//     does not answer is asked again with backoff before the listing
//     fails, and a failure ends the listing with the reason.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "storage/reference_reader.hpp"

namespace fovea {

struct s3_listed {
  std::string reference; ///< "s3://BUCKET/KEY"
  uint64_t size = 0;
  std::string etag;
};

class s3_listing {
public:
  /// Lists `prefix` ("s3://BUCKET/PREFIX/") through the endpoint,
  /// credentials and CA of `settings`; the bucket need not be on
  /// s3-buckets (a client reads nothing).
  static caf::expected<std::unique_ptr<s3_listing>>
  open(const storage_settings& settings, const std::string& prefix);

  ~s3_listing();

  /// The next object; false at the end, or on a failure (then error() says
  /// why, naming the prefix).
  bool next(s3_listed& object);
  const std::string& error() const noexcept { return error_; }

private:
  struct impl;
  explicit s3_listing(std::unique_ptr<impl> state);
  bool fetch_page();
  std::unique_ptr<impl> impl_;
  std::string error_;
};

} // namespace fovea
