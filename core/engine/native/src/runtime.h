// The oneDNN engine and stream of the calling thread (tfjs engines live one per JS thread).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

namespace gradlens {
dnnl::engine& cpu();
dnnl::stream& cpu_stream();
}  // namespace gradlens
