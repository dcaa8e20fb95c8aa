// gradlens native kernels: float32, NHWC, on memory owned by the caller (tfjs-backend-wasm's heap).
// Each function throws std::runtime_error (or dnnl::error) with a message a user can act on.
#pragma once
#include <cstdint>

// The addon is built for the baseline of its architecture, so it runs on any machine of that kind;
// the elementwise loops that gain from wider vectors are compiled once per x86 level and the best
// one for the CPU is picked when the addon loads (GCC/Clang function multiversioning). oneDNN
// picks its own kernels at run time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GRADLENS_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GRADLENS_VECTOR_CLONES
#endif

namespace gradlens {

// A 2-D convolution in tfjs's terms. Depthwise when groups == channels (filter [KH, KW, C, M]);
// plain when groups == 1 (filter [KH, KW, C, CO]).
struct ConvShape {
  int64_t n, h, w, c;         // input [N, H, W, C]
  int64_t kh, kw, co;         // filter size and output channels (C * M for depthwise)
  int64_t oh, ow;             // output [N, OH, OW, CO]
  int64_t sh, sw, dh, dw;     // strides; dilations as tfjs counts them (1 = none)
  int64_t top, left, bottom, right;
  int64_t groups;
};

enum class Activation : int32_t { linear = 0, relu = 1, relu6 = 2, sigmoid = 3, elu = 4, leaky_relu = 5 };

// y = act(conv(x, w) + bias); bias may be null.
void conv_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                  Activation act, float alpha);
// dx = d(conv(x, w))/dx applied to dy (the input gradient only).
void conv_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx);

// c[b] = op(a[b]) x op(b[b]) for b < batch (strides 0 broadcast one matrix); row-major.
void matmul(int64_t batch, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b, const float* a,
            int64_t stride_a, const float* b, int64_t stride_b, float* c);
// y = act(y + bias) over rows of `cols` values; bias may be null (length cols, or 1).
void bias_activation(int64_t rows, int64_t cols, float* y, const float* bias, int64_t bias_len, Activation act,
                     float alpha);

struct PoolShape {
  int64_t n, h, w, c, oh, ow, fh, fw, sh, sw, top, left;
};
// dx: each output position's dy goes to the first maximum of its window (tfjs's tie-break).
void max_pool_grad(const PoolShape& s, const float* x, const float* dy, float* dx);
// dx: each output position's dy, divided by the window size, to every in-bounds position of its window.
void avg_pool_grad(const PoolShape& s, const float* dy, float* dx);

// y = (x - mean) * scale / sqrt(var + eps) + offset, per channel (last axis) or one value for all;
// *_len is C or 1; scale and offset may be null.
void batch_norm(int64_t count, int64_t channels, const float* x, const float* mean, int64_t mean_len,
                const float* var, int64_t var_len, const float* offset, int64_t offset_len, const float* scale,
                int64_t scale_len, float eps, float* y);

// y = x[begin : begin + size] (row-major, any rank); y holds prod(size) values.
void slice(int rank, const int64_t* shape, const int64_t* begin, const int64_t* size, const float* x, float* y);
// y = x with before[d] / after[d] values of `value` around axis d.
void pad(int rank, const int64_t* shape, const int64_t* before, const int64_t* after, float value, const float* x,
         float* y);

void set_threads(int n);
int max_threads();
const char* isa();

}  // namespace gradlens
