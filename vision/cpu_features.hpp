// cpu_features: what this CPU can do, as the kernel reports it.
//
// A model variant may need instructions that not every x86 CPU has (int8
// kernels fast only with AVX512_VNNI, bf16 with AVX512_BF16); its model.ini
// names them, and a worker on a CPU without them refuses the model rather
// than serving it slowly or differently.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace fovea {

/// The flags of /proc/cpuinfo's first processor (for example "avx512_vnni");
/// empty if it cannot be read.
std::set<std::string> cpu_flags();

/// /proc/cpuinfo's "model name" of the first processor; empty if none.
std::string cpu_model_name();

/// Those of `required` that this CPU lacks, in their order.
std::vector<std::string>
missing_cpu_flags(const std::vector<std::string>& required);

} // namespace fovea
