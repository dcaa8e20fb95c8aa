// Matrix products through oneDNN's sgemm, then bias and activation in one pass.
#include <oneapi/dnnl/dnnl.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels.h"

namespace gradlens {

void matmul(int64_t batch, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b, const float* a,
            int64_t stride_a, const float* b, int64_t stride_b, float* c) {
  const int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  for (int64_t i = 0; i < batch; i++) {
    const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.f,
                                            a + i * stride_a, lda, b + i * stride_b, ldb, 0.f, c + i * m * n, n);
    if (status != dnnl_success) throw std::runtime_error("sgemm failed with status " + std::to_string(status));
  }
}

namespace {
inline float activate(float v, Activation act, float alpha) {
  switch (act) {
    case Activation::linear: return v;
    case Activation::relu: return v > 0.f ? v : 0.f;
    case Activation::relu6: return v > 0.f ? (v < 6.f ? v : 6.f) : 0.f;
    case Activation::sigmoid: return 1.f / (1.f + std::exp(-v));
    case Activation::elu: return v > 0.f ? v : std::expm1(v);
    case Activation::leaky_relu: return v > 0.f ? v : alpha * v;
  }
  return v;
}
}  // namespace

GRADLENS_VECTOR_CLONES void bias_activation(int64_t rows, int64_t cols, float* y, const float* bias, int64_t bias_len, Activation act,
                     float alpha) {
  if (!bias && act == Activation::linear) return;
  for (int64_t r = 0; r < rows; r++) {
    float* row = y + r * cols;
    for (int64_t j = 0; j < cols; j++) {
      const float v = bias ? row[j] + bias[bias_len == 1 ? 0 : j] : row[j];
      row[j] = activate(v, act, alpha);
    }
  }
}

}  // namespace gradlens
