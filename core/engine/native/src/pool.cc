// Max-pool input gradient: each output position sends dy to the first maximum of its window,
// padding excluded (the cpu backend's tie-break); channels innermost so every pass is contiguous.
#include <algorithm>
#include <limits>
#include <vector>

#include "kernels.h"

namespace gradlens {

GRADLENS_VECTOR_CLONES void max_pool_grad(const PoolShape& s, const float* x, const float* dy, float* dx) {
  std::fill(dx, dx + s.n * s.h * s.w * s.c, 0.f);
  std::vector<float> best(s.c);
  std::vector<int64_t> at(s.c);
  for (int64_t b = 0; b < s.n; b++) {
    const int64_t xb = b * s.h * s.w * s.c;
    for (int64_t i = 0; i < s.oh; i++) {
      const int64_t r0 = i * s.sh - s.top;
      for (int64_t j = 0; j < s.ow; j++) {
        const int64_t c0 = j * s.sw - s.left;
        std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
        std::fill(at.begin(), at.end(), -1);
        for (int64_t r = std::max<int64_t>(r0, 0); r < std::min(r0 + s.fh, s.h); r++) {
          for (int64_t q = std::max<int64_t>(c0, 0); q < std::min(c0 + s.fw, s.w); q++) {
            const int64_t k0 = xb + (r * s.w + q) * s.c;
            const float* v = x + k0;
            for (int64_t ch = 0; ch < s.c; ch++) {
              if (v[ch] > best[ch]) {
                best[ch] = v[ch];
                at[ch] = k0 + ch;
              }
            }
          }
        }
        const float* g = dy + ((b * s.oh + i) * s.ow + j) * s.c;
        for (int64_t ch = 0; ch < s.c; ch++) {
          if (at[ch] >= 0) dx[at[ch]] += g[ch];
        }
      }
    }
  }
}

}  // namespace gradlens

namespace gradlens {

// Average-pool input gradient as tfjs defines it: every in-bounds position of an output's window
// receives dy / (fh * fw) (the window's full size, padding included, as tfjs's cpu kernel divides).
GRADLENS_VECTOR_CLONES void avg_pool_grad(const PoolShape& s, const float* dy, float* dx) {
  std::fill(dx, dx + s.n * s.h * s.w * s.c, 0.f);
  const float share = 1.f / static_cast<float>(s.fh * s.fw);
  std::vector<float> g(s.c);
  for (int64_t b = 0; b < s.n; b++) {
    for (int64_t i = 0; i < s.oh; i++) {
      const int64_t r0 = i * s.sh - s.top;
      for (int64_t j = 0; j < s.ow; j++) {
        const int64_t c0 = j * s.sw - s.left;
        const float* d = dy + ((b * s.oh + i) * s.ow + j) * s.c;
        for (int64_t ch = 0; ch < s.c; ch++) g[ch] = d[ch] * share;
        for (int64_t r = std::max<int64_t>(r0, 0); r < std::min(r0 + s.fh, s.h); r++) {
          for (int64_t q = std::max<int64_t>(c0, 0); q < std::min(c0 + s.fw, s.w); q++) {
            float* out = dx + ((b * s.h + r) * s.w + q) * s.c;
            for (int64_t ch = 0; ch < s.c; ch++) out[ch] += g[ch];
          }
        }
      }
    }
  }
}

}  // namespace gradlens
