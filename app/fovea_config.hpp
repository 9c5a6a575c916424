// fovea_config: every setting of a fovea process, in CAF's config format.
//
// Keys live in the [fovea] section of an INI file (`--config FILE`) and can
// be overridden on the command line the CAF way (`--fovea.port=4243`); CAF's
// own sections ([middleman], [scheduler], ...) sit beside it. Each key is
// declared once, in settings_schema.cpp, with its help and bounds; the
// members below hold the values, and their initializers are the defaults
// (taken from the subsystem's own options struct where it has one). Unlike
// plain CAF, a key that fovea does not know, or a value out of its bounds,
// is an error naming it, not silently ignored: a typo in a config must not
// quietly change what a node does.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/timespan.hpp>

#include "actors/inference.hpp"
#include "actors/message_checks.hpp"
#include "app/install_layout.hpp"
#include "edge/edge_core.hpp"
#include "edge/oip_rest.hpp"
#include "jobs/online_requests.hpp"
#include "jobs/scheduler.hpp"
#include "storage/reference_reader.hpp"
#include "edge/tls_credentials.hpp"

namespace fovea {

class fovea_config : public caf::actor_system_config {
public:
  // identity
  std::string role; ///< "coordinator" or "worker" (nodes only)
  std::string id;   ///< unique in the cluster; default host-pid
  // network
  std::string host = "127.0.0.1"; ///< where a coordinator listens
  uint16_t port = 4242;
  std::string coordinator = "127.0.0.1:4242"; ///< what workers/clients join
  caf::timespan connect_timeout = std::chrono::seconds(30);
  // work
  /// A worker's model folder, or a NAME/VERSION/ repository of them.
  std::string model = shipped_model_folder();
  /// The most batches a worker accepts at once: the ceiling of the credit
  /// its coordinator sizes to the round trip between them (scheduler.hpp).
  /// 128 batches of 64 cover a 100 ms round trip at 80,000 images/s per
  /// worker (the null model); a worker next door holds a few.
  uint32_t slots = 128;
  int32_t threads = 1;  ///< LibTorch intra-op threads per process
  /// Where graph-check verdicts are kept: empty, the user's cache folder;
  /// "off", nowhere (graph_verdicts.hpp).
  std::string graph_cache;
  // The coordinator's scheduling: the scheduler's own defaults.
  uint32_t batch_size = scheduler_options{}.batch_size;
  caf::timespan task_timeout = scheduler_options{}.task_timeout;
  uint32_t max_attempts = scheduler_options{}.max_attempts;
  caf::timespan hang_timeout = scheduler_options{}.hang_timeout;
  uint64_t max_queued_bytes = scheduler_options{}.max_queued_bytes;
  std::string journal_dir; ///< a coordinator's job journals; empty: none
  uint64_t max_journal_bytes = 8ull << 30; ///< all journals, on disk
  caf::timespan journal_ttl = std::chrono::hours(24 * 7);
  /// How long a job waits for a worker serving its model before it fails.
  caf::timespan model_wait = std::chrono::minutes(10);
  // a worker's pipeline (batching knobs: the model's unless set here)
  uint32_t decode_threads = 0;
  uint32_t max_batch_size = 0;
  std::vector<uint32_t> preferred_batch_sizes;
  caf::timespan max_queue_delay{0};
  // hostile input
  uint64_t max_pixels = decode_limits{}.max_pixels; ///< a worker decodes
  uint64_t max_image_bytes = 64ull << 20; ///< largest input file accepted
  // the edge: TLS, and the limits it enforces for CAF
  std::string certificate; ///< this node's, PEM (with key and ca, or none)
  std::string key;         ///< its private key, PEM, unencrypted
  std::string ca;          ///< the cluster CA's certificate, PEM
  std::string crl;         ///< optional: certificates the CA revoked
  bool insecure = false; ///< a coordinator may listen beyond loopback in clear
  bool edge = true; ///< false: CAF faces the network itself (loopback only)
  /// The largest BASP message relayed: an image of max-image-bytes plus
  /// its path and framing must fit.
  // The edge's limits: edge_limits's own defaults.
  uint64_t max_message_bytes = edge_limits{}.max_message_bytes;
  uint32_t max_connections = edge_limits{}.max_connections;
  uint32_t max_connections_per_address
    = edge_limits{}.max_connections_per_address;
  caf::timespan handshake_timeout = edge_limits{}.handshake_timeout;
  caf::timespan idle_timeout = edge_limits{}.idle_timeout;
  caf::timespan write_stall_timeout = edge_limits{}.write_stall_timeout;
  uint64_t max_inflight_bytes = edge_limits{}.max_inflight_bytes;
  uint32_t max_handshakes = edge_limits{}.max_handshakes;
  uint32_t max_handshakes_per_address = edge_limits{}.max_handshakes_per_address;
  uint32_t max_connections_per_certificate
    = edge_limits{}.max_connections_per_certificate;
  // What a coordinator accepts from clients: coordinator_limits's defaults.
  uint64_t max_job_inputs = coordinator_limits{}.max_job_inputs;
  uint32_t max_open_jobs = coordinator_limits{}.max_open_jobs;
  uint32_t max_jobs_per_client = coordinator_limits{}.max_jobs_per_client;
  // inputs by reference (storage/reference_reader.hpp)
  std::vector<std::string> shared_roots; ///< folders a worker reads beneath
  std::string s3_endpoint; ///< https://HOST[:PORT]; empty: no S3
  std::string s3_region = storage_settings{}.s3_region;
  bool s3_path_style = storage_settings{}.s3_path_style;
  std::string s3_credentials; ///< a credentials file; empty: environment
  std::vector<std::string> s3_buckets; ///< a worker reads only these
  std::vector<std::string> http_hosts; ///< a worker fetches only from these
  std::string s3_ca; ///< CA file for S3 and HTTPS inputs; empty: system's
  uint32_t storage_reads = storage_settings{}.reads;
  // online inference (a coordinator's; app/oip_routes.hpp)
  std::string oip_http; ///< HOST:PORT of its REST endpoints; empty: off
  std::string oip_grpc; ///< HOST:PORT of its gRPC endpoints; empty: off
  caf::timespan oip_timeout = std::chrono::seconds(10);
  uint64_t oip_max_queued_bytes = online_limits{}.max_bytes;
  uint32_t oip_max_requests = online_limits{}.max_requests;
  uint32_t oip_max_per_client = online_limits{}.max_per_principal;
  uint32_t oip_max_batch = oip_limits{}.max_batch;
  /// The inference front's connections: an application server calling it
  /// keeps one per request in flight (HTTP/1.1), so more than the metrics
  /// front's 64 and 16.
  uint32_t oip_max_connections = 256;
  uint32_t oip_max_connections_per_address = 64;
  // operations
  /// HOST:PORT of the node's /metrics, /healthz and /readyz; empty: off.
  std::string http;
  /// "text" (lines for people) or "json" (one object per line).
  std::string log_format = "text";

  fovea_config();

  /// Parses `args` (CAF options and `--config-file=`), then checks fovea's
  /// own keys. Returns a message for people, or an empty string if all is
  /// well.
  std::string configure(std::vector<std::string> args);

  /// Checks the relations between keys that no one key's bounds say
  /// (hang-timeout at least task-timeout, TLS files together, ...); a
  /// message for people, or "".
  std::string check_relations() const;

  /// Checks the [fovea] section of a config file against the schema's keys
  /// and types; returns the offending key and a message for people, or two
  /// empty strings.
  std::pair<std::string, std::string>
  check_section(const caf::settings& section) const;

  /// The id, or host-pid when none was configured.
  std::string node_id() const;

  /// What a coordinator accepts, as configured.
  coordinator_limits limits() const;
  /// The coordinator's scheduling settings from fovea.batch-size,
  /// task-timeout, hang-timeout, max-attempts and max-queued-bytes.
  scheduler_options scheduling() const;

  /// What a coordinator holds of inference requests, as configured (max
  /// bytes 0 when neither fovea.oip-http nor fovea.oip-grpc is on).
  online_limits online() const;
  /// Whether the coordinator serves inference (fovea.oip-http or -grpc).
  bool serves_inference() const {
    return !oip_http.empty() || !oip_grpc.empty();
  }

  /// What the edge enforces, as configured.
  edge_limits edge_settings() const;

  /// The TLS files as configured (all empty: no TLS).
  tls_files tls() const;

  /// What a worker reads by reference, and from where, as configured.
  storage_settings storage() const;

  /// The inference pipeline of a worker serving a model with `manifest`:
  /// its batching knobs with this config's overrides. Returns a message for
  /// people if they do not fit together, or an empty string.
  std::string inference_setup(const model_manifest& manifest,
                              const std::string& worker_id,
                              inference_options& out) const;

  /// Gives CAF's scheduler `blocking` threads more than the machine's cores
  /// (unless scheduler.max-threads is configured): each inference actor
  /// blocks its thread for a whole batch, and the network-facing actors must
  /// still get a thread meanwhile. Call before the actor system starts.
  void reserve_threads_for_inference(size_t blocking);

private:
  /// middleman.connection-timeout as configured, which the edge enforces
  /// in CAF's place (edge_limits::peer_silence_timeout says why).
  caf::timespan peer_silence_timeout_{0};
};

/// This machine's host name ("localhost" if it has none).
std::string host_name();

} // namespace fovea
