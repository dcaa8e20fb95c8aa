// Slices and constant padding: strided copies whose innermost contiguous runs are one memcpy each.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "kernels.h"

namespace gradlens {
namespace {

std::vector<int64_t> strides_of(const int64_t* shape, int rank) {
  std::vector<int64_t> strides(rank, 1);
  for (int d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

}  // namespace

void slice(int rank, const int64_t* shape, const int64_t* begin, const int64_t* size, const float* x, float* y) {
  if (rank < 1) {
    y[0] = x[0];
    return;
  }
  const std::vector<int64_t> in = strides_of(shape, rank);
  // Trailing axes taken whole join the contiguous run.
  int inner = rank - 1;
  int64_t run = size[rank - 1];
  while (inner > 0 && size[inner] == shape[inner] && begin[inner] == 0) {
    inner--;
    run *= size[inner];
  }
  std::vector<int64_t> index(inner, 0);
  int64_t outer = 1;
  for (int d = 0; d < inner; d++) outer *= size[d];
  for (int64_t r = 0; r < outer; r++) {
    int64_t from = begin[inner] * in[inner];
    for (int d = 0; d < inner; d++) from += (begin[d] + index[d]) * in[d];
    std::memcpy(y + r * run, x + from, sizeof(float) * run);
    for (int d = inner - 1; d >= 0 && ++index[d] == size[d]; d--) index[d] = 0;
  }
}

void pad(int rank, const int64_t* shape, const int64_t* before, const int64_t* after, float value, const float* x,
         float* y) {
  std::vector<int64_t> out_shape(rank);
  int64_t total = 1;
  for (int d = 0; d < rank; d++) {
    out_shape[d] = before[d] + shape[d] + after[d];
    total *= out_shape[d];
  }
  std::fill(y, y + total, value);
  if (rank < 1) {
    y[0] = x[0];
    return;
  }
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 0) return;
  }
  const std::vector<int64_t> out = strides_of(out_shape.data(), rank);
  const int64_t run = shape[rank - 1];
  std::vector<int64_t> index(rank - 1, 0);
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  for (int64_t r = 0; r < outer; r++) {
    int64_t to = before[rank - 1];
    for (int d = 0; d < rank - 1; d++) to += (before[d] + index[d]) * out[d];
    std::memcpy(y + to, x + r * run, sizeof(float) * run);
    for (int d = rank - 2; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
  }
}

}  // namespace gradlens
