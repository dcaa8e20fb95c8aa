// Inference batch normalisation: one pass, per-channel factor and shift computed once.
#include <cmath>
#include <vector>

#include "kernels.h"

namespace gradlens {

GRADLENS_VECTOR_CLONES void batch_norm(int64_t count, int64_t channels, const float* x, const float* mean, int64_t mean_len,
                const float* var, int64_t var_len, const float* offset, int64_t offset_len, const float* scale,
                int64_t scale_len, float eps, float* y) {
  std::vector<float> factor(channels), shift(channels);
  for (int64_t c = 0; c < channels; c++) {
    const float s = scale ? scale[scale_len == 1 ? 0 : c] : 1.f;
    // The same operations, in the same order, as tfjs's kernels: (x - mean) * (scale * rsqrt(var + eps)) + offset.
    factor[c] = s * (1.f / std::sqrt(var[var_len == 1 ? 0 : c] + eps));
    shift[c] = offset ? offset[offset_len == 1 ? 0 : c] : 0.f;
  }
  const int64_t rows = count / channels;
  for (int64_t r = 0; r < rows; r++) {
    const float* in = x + r * channels;
    float* out = y + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      out[c] = (in[c] - mean[mean_len == 1 ? 0 : c]) * factor[c] + shift[c];
    }
  }
}

}  // namespace gradlens
