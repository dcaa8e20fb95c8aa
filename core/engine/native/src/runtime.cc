#include "runtime.h"

#include <omp.h>

#include "kernels.h"

namespace gradlens {

dnnl::engine& cpu() {
  thread_local dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpu_stream() {
  thread_local dnnl::stream stream(cpu());
  return stream;
}

// OpenMP's thread count is per calling thread, so each JS thread (worker) sets its own.
void set_threads(int n) { omp_set_num_threads(n < 1 ? 1 : n); }
int max_threads() { return omp_get_max_threads(); }

const char* isa() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

}  // namespace gradlens
