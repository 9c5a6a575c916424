// The Open Inference Protocol's REST calls made with curl, a client fovea
// did not write, and the request bodies the spec and Triton's binary
// extension define, for tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fovea::test {

struct curl_reply {
  int status = -1; ///< -1: curl got no answer (body says why)
  std::string body;
};

/// HTTPS as a node of a cluster made by `fovea certs` in `pki` would speak
/// it: the server's certificate checked against pki/ca.pem by its name
/// `server` (reached at 127.0.0.1), the client's certificate `who`'s (none
/// when empty).
struct curl_tls {
  std::string pki;
  std::string who;
  std::string server = "coord";
};

/// curl -X `method` http://127.0.0.1:`port``path` (https://, with `tls`),
/// with `body` (if not empty, from a file in `scratch`) and extra header
/// lines.
curl_reply curl(uint16_t port, const std::string& method,
                const std::string& path, const std::string& body = {},
                const std::vector<std::string>& headers = {},
                const std::filesystem::path& scratch = {},
                const std::optional<curl_tls>& tls = std::nullopt);

/// The port of a coordinator's "inference ... on http://HOST:PORT/v2" line.
std::optional<uint16_t> oip_port(const std::string& line);

/// A request of encoded `images` as binary tensor data, answered with the
/// classification extension (K = `classes`, 0: probabilities), with a
/// deadline of its own if `timeout_us` is set: the body, and its JSON
/// part's length for Inference-Header-Content-Length.
std::pair<std::string, std::string>
binary_infer_body(const std::vector<std::vector<uint8_t>>& images,
                  unsigned classes, uint64_t timeout_us = 0);

/// The class index of each element of an answer asked with classification
/// K = 1 ("score:index:label" strings), or of the best probability of an
/// answer of probabilities; empty if the answer is neither.
std::vector<int> labels_of_answer(const std::string& body);

} // namespace fovea::test
