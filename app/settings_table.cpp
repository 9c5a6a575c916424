// The settings schema's table: every fovea.* key, declared here once (see
// settings_schema.hpp for what is derived from it). Keep docs/
// configuration.md in step: a test compares them.
#include "app/fovea_config.hpp"
#include "app/settings_schema.hpp"

namespace fovea {

namespace {

using c = fovea_config;
constexpr int64_t mib = 1 << 20;

} // namespace

const std::vector<setting>& settings_schema() {
  static const std::vector<setting> table{
    // the node
    {"role", "node", "node role: coordinator or worker (fovea node needs it)",
     &c::role, 0, 0, {"coordinator", "worker"}},
    {"id", "node", "the node's id, unique in the cluster (default: host-pid)",
     &c::id},
    {"host", "node",
     "where a coordinator listens (its edge); beyond loopback it needs a "
     "certificate or fovea.insecure",
     &c::host},
    {"port", "node", "where a coordinator listens; 0 picks a free port",
     &c::port},
    {"coordinator", "node", "HOST:PORT of the coordinator to join",
     &c::coordinator},
    {"connect-timeout", "node",
     "how long a worker or client keeps trying to reach its coordinator",
     &c::connect_timeout, 1},
    {"log-format", "node",
     "a node's log lines: text, for people, or json, one object per line "
     "(time, level, node, event, message, fields)",
     &c::log_format, 0, 0, {"text", "json"}},
    {"http", "node",
     "HOST:PORT of the node's HTTP front: /metrics, /healthz, /readyz "
     "(HTTPS with the node's certificate beyond loopback; empty: off)",
     &c::http},
    // a worker
    {"model", "worker",
     "a worker's model folder (model.pt, labels.txt, model.ini), or a "
     "NAME/VERSION/ repository of them: it serves each",
     &c::model},
    {"slots", "worker",
     "task batches a worker accepts at once (its credit with the "
     "coordinator)",
     &c::slots, 1, 256},
    {"threads", "worker",
     "LibTorch intra-op threads per process (0: LibTorch's default)",
     &c::threads, 0, 1024},
    {"graph-cache", "worker",
     "folder where a worker keeps the verdicts of its graph checks, so the "
     "next start of the same model skips them (empty: $CACHE_DIRECTORY, "
     "$XDG_CACHE_HOME/fovea or ~/.cache/fovea; off: check at every start)",
     &c::graph_cache},
    {"decode-threads", "worker",
     "0: the model runner decodes each batch itself; N: threads that decode "
     "the next batches while the model runs",
     &c::decode_threads, 0, 64},
    {"max-batch-size", "worker",
     "most images in one forward pass (0: the model's, model.ini [batching])",
     &c::max_batch_size},
    {"preferred-batch-sizes", "worker",
     "batch sizes run without waiting, e.g. [32, 64] (default: the model's)",
     &c::preferred_batch_sizes},
    {"max-queue-delay", "worker",
     "longest an idle worker waits for a fuller batch (0: the model's)",
     &c::max_queue_delay},
    {"max-pixels", "worker",
     "largest width x height a worker decodes, checked from the header",
     &c::max_pixels, 1},
    // inputs by reference
    {"shared-roots", "storage",
     "folders a worker reads shared inputs beneath (submit --shared), e.g. "
     "[\"/mnt/images\"]; empty: none",
     &c::shared_roots},
    {"s3-endpoint", "storage",
     "https://HOST[:PORT] of the S3-compatible store that s3:// inputs are "
     "read from (workers) and listed in (clients); empty: none",
     &c::s3_endpoint},
    {"s3-region", "storage", "the region S3 requests are signed for",
     &c::s3_region},
    {"s3-path-style", "storage",
     "address buckets as a path (true) or as a label of the host (false)",
     &c::s3_path_style},
    {"s3-credentials", "storage",
     "an AWS credentials file readable by its owner only ([default] "
     "profile); empty: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
     "AWS_SESSION_TOKEN",
     &c::s3_credentials},
    {"s3-buckets", "storage",
     "buckets a worker reads s3:// inputs from, e.g. [\"images\", "
     "\"team-*\"]; empty: none",
     &c::s3_buckets},
    {"http-hosts", "storage",
     "hosts a worker fetches https:// inputs from: HOST, HOST:PORT or "
     "*.DOMAIN; empty: none",
     &c::http_hosts},
    {"s3-ca", "storage",
     "CA certificates (PEM) that S3 and HTTPS inputs' servers are verified "
     "against; empty: the system's",
     &c::s3_ca},
    {"storage-reads", "storage",
     "reads of referenced inputs a worker keeps in flight", &c::storage_reads,
     1, 4096},
    // online inference
    {"oip-http", "inference",
     "HOST:PORT where a coordinator serves the Open Inference Protocol over "
     "HTTP (HTTPS with its certificate beyond loopback; empty: off)",
     &c::oip_http},
    {"oip-grpc", "inference",
     "HOST:PORT where a coordinator serves the Open Inference Protocol over "
     "gRPC (TLS with its certificate beyond loopback; empty: off)",
     &c::oip_grpc},
    {"oip-timeout", "inference",
     "how long an inference request may take in all before it is answered "
     "504",
     &c::oip_timeout, 1},
    {"oip-max-queued-bytes", "inference",
     "image bytes of inference requests a coordinator holds, set aside from "
     "max-queued-bytes (at most half of it); past it a request gets 503",
     &c::oip_max_queued_bytes, 1},
    {"oip-max-requests", "inference",
     "inference requests a coordinator holds; past it a request gets 503",
     &c::oip_max_requests, 1, 1'000'000},
    {"oip-max-per-client", "inference",
     "inference requests of one client certificate a coordinator holds; "
     "past it that client gets 429",
     &c::oip_max_per_client, 1, 1'000'000},
    {"oip-max-batch", "inference",
     "images in one inference request", &c::oip_max_batch, 1, 1024},
    {"oip-max-connections", "inference",
     "connections the inference front (oip-http) holds open, in all",
     &c::oip_max_connections, 1, 100'000},
    {"oip-max-connections-per-address", "inference",
     "connections the inference front holds open from one address (or "
     "IPv6 /64): HTTP/1.1 carries one request at a time on each",
     &c::oip_max_connections_per_address, 1, 100'000},
    // the coordinator
    {"batch-size", "coordinator",
     "most tasks per batch sent to a worker (batches shrink as a job's "
     "queue runs out)",
     &c::batch_size, 1, 4096},
    {"task-timeout", "coordinator",
     "time a batch has, from reaching the front of its worker's line, "
     "before its tasks are copied to another worker",
     &c::task_timeout, 1},
    {"hang-timeout", "coordinator",
     "a worker with an overdue batch that answers nothing this long is let "
     "go (at least task-timeout)",
     &c::hang_timeout, 1},
    {"max-attempts", "coordinator",
     "failures of one input, alone on a worker, before it is a poison row",
     &c::max_attempts, 1},
    {"max-queued-bytes", "coordinator",
     "what the tasks a coordinator holds may cost in all: clients send "
     "within the byte credit it grants from this",
     &c::max_queued_bytes, mib},
    {"max-image-bytes", "coordinator",
     "largest input file; larger ones are error rows, never read (client "
     "and coordinator)",
     &c::max_image_bytes, 1},
    {"model-wait", "coordinator",
     "how long a job waits for a worker serving its model before it fails",
     &c::model_wait, 1},
    {"journal-dir", "coordinator",
     "where a coordinator journals named jobs so they survive a crash "
     "(empty: no journal)",
     &c::journal_dir},
    {"max-journal-bytes", "coordinator",
     "disk the journals may take in all; past it a new named job is refused",
     &c::max_journal_bytes},
    {"journal-ttl", "coordinator",
     "journals not written this long (paused jobs, uncommitted results) "
     "are removed",
     &c::journal_ttl, 1},
    {"max-job-inputs", "coordinator",
     "the most inputs of one job a coordinator accepts", &c::max_job_inputs,
     1},
    {"max-open-jobs", "coordinator", "jobs a coordinator runs at once",
     &c::max_open_jobs, 1},
    {"max-jobs-per-client", "coordinator",
     "of those, per client certificate (per connection without TLS)",
     &c::max_jobs_per_client, 1},
    // the edge
    {"certificate", "edge",
     "this node's certificate (PEM, from fovea certs): with key and ca, "
     "turns TLS on",
     &c::certificate},
    {"key", "edge", "the certificate's private key (PEM, mode 0600)",
     &c::key},
    {"ca", "edge", "the cluster CA's certificate (PEM)", &c::ca},
    {"crl", "edge",
     "certificates the CA revoked (PEM, fovea certs --revoke), read at "
     "start-up",
     &c::crl},
    {"insecure", "edge",
     "let a coordinator without a certificate listen beyond loopback (it "
     "warns at every start)",
     &c::insecure},
    {"edge", "edge",
     "false: no edge, CAF listens and connects itself (loopback only; for "
     "measuring the edge's cost)",
     &c::edge},
    {"max-message-bytes", "edge",
     "the largest message the edge relays, checked from its header",
     &c::max_message_bytes, mib, 0xFFFFFFFFll},
    {"max-connections", "edge", "connections a coordinator's edge holds",
     &c::max_connections, 1},
    {"max-connections-per-address", "edge",
     "of those, from one source address (an IPv6 /64 counts as one)",
     &c::max_connections_per_address, 1},
    {"max-handshakes", "edge",
     "connections still in their TLS handshake, in all", &c::max_handshakes,
     1},
    {"max-handshakes-per-address", "edge",
     "connections still in their TLS handshake from one address",
     &c::max_handshakes_per_address, 1},
    {"max-connections-per-certificate", "edge",
     "live connections with one certificate name",
     &c::max_connections_per_certificate, 1},
    {"handshake-timeout", "edge",
     "time a new connection has for its TLS handshake (plain: for its "
     "first bytes)",
     &c::handshake_timeout, 1},
    {"idle-timeout", "edge",
     "a connection silent this long is closed (at least 3 heartbeat "
     "intervals)",
     &c::idle_timeout, 1},
    {"write-stall-timeout", "edge",
     "a peer that leaves what the edge sends it unread this long is cut off",
     &c::write_stall_timeout, 1},
    {"max-inflight-bytes", "edge",
     "what CAF may buffer across all connections: each is charged twice its "
     "largest message for as long as it lasts",
     &c::max_inflight_bytes, 1},
  };
  return table;
}

} // namespace fovea
