#include "metrics/worker_metrics.hpp"

namespace fovea {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using buckets = prometheus::Histogram::BucketBoundaries;

// Batch sizes as a dynamic batcher forms them: powers of two up to 256.
const buckets size_buckets{1, 2, 4, 8, 16, 32, 64, 128, 256};
// A Fashion-MNIST pass of 64 takes ~15 ms here, a ResNet-18 pass of 4
// ~80 ms; decoding a task batch, from well under a millisecond up.
const buckets time_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                           0.1,    0.25,  0.5,    1,     2.5,  5,    10};

prometheus::Family<prometheus::Counter>& images_family(node_metrics& node) {
  return BuildCounter()
    .Name("fovea_worker_images_total")
    .Help("Images answered, by model and outcome (ok: labelled; error: a row "
          "saying why)")
    .Register(node.registry());
}

prometheus::Family<prometheus::Counter>& task_batches_family(node_metrics& node) {
  return BuildCounter()
    .Name("fovea_worker_task_batches_total")
    .Help("Task batches taken from the coordinator, by model and kind "
          "(online: inference requests; job: a job's inputs)")
    .Register(node.registry());
}

} // namespace

worker_metrics::worker_metrics(node_metrics& node, const std::string& model)
  : batches_(BuildCounter()
               .Name("fovea_worker_batches_total")
               .Help("Forward passes run, by model")
               .Register(node.registry())
               .Add({{"model", model}})),
    batch_size_(BuildHistogram()
                  .Name("fovea_worker_batch_size")
                  .Help("Images per forward pass, as the dynamic batcher "
                        "formed them")
                  .Register(node.registry())
                  .Add({{"model", model}}, size_buckets)),
    forward_seconds_(BuildHistogram()
                       .Name("fovea_worker_forward_seconds")
                       .Help("Time of one forward pass")
                       .Register(node.registry())
                       .Add({{"model", model}}, time_buckets)),
    decode_seconds_(BuildHistogram()
                      .Name("fovea_worker_decode_seconds")
                      .Help("Time to decode and preprocess one task batch")
                      .Register(node.registry())
                      .Add({{"model", model}}, time_buckets)),
    images_ok_(images_family(node).Add({{"model", model}, {"outcome", "ok"}})),
    images_error_(
      images_family(node).Add({{"model", model}, {"outcome", "error"}})),
    in_flight_(BuildGauge()
                 .Name("fovea_worker_batches_in_flight")
                 .Help("Task batches held now (at most the worker's slots)")
                 .Register(node.registry())
                 .Add({{"model", model}})),
    online_batches_(
      task_batches_family(node).Add({{"model", model}, {"kind", "online"}})),
    job_batches_(
      task_batches_family(node).Add({{"model", model}, {"kind", "job"}})) {
}

void worker_metrics::forward_pass(size_t images, double seconds) {
  batches_.Increment();
  batch_size_.Observe(static_cast<double>(images));
  forward_seconds_.Observe(seconds);
  images_ok_.Increment(static_cast<double>(images));
}

void worker_metrics::decoded(size_t ok, size_t failed, double seconds) {
  decode_seconds_.Observe(seconds);
  if (failed > 0)
    images_error_.Increment(static_cast<double>(failed));
}

} // namespace fovea
