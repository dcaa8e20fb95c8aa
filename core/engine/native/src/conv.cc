// Convolutions through oneDNN (the library PyTorch's CPU convolutions use). Primitives are built
// once per shape and thread and cached; the caller's NHWC tensors are used in place, and the
// filter is reordered to the layout oneDNN's fastest kernel wants on every call (filters are small).
#include <oneapi/dnnl/dnnl.hpp>

#include <string>
#include <unordered_map>

#include "kernels.h"
#include "runtime.h"

namespace gradlens {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

memory::dims src_dims(const ConvShape& s) { return {s.n, s.c, s.h, s.w}; }
memory::dims dst_dims(const ConvShape& s) { return {s.n, s.co, s.oh, s.ow}; }
memory::dims weight_dims(const ConvShape& s) {
  if (s.groups == 1) return {s.co, s.c, s.kh, s.kw};
  return {s.groups, s.co / s.groups, s.c / s.groups, s.kh, s.kw};
}
// tfjs filters: [KH, KW, C, CO] is oneDNN's hwio; depthwise [KH, KW, C, M] is hwigo with i = 1.
tag user_weight_tag(const ConvShape& s) { return s.groups == 1 ? tag::hwio : tag::hwigo; }

struct Prepared {
  dnnl::primitive primitive;
  memory::desc weights;  // the layout the primitive reads its filter in
};

std::string key_of(const ConvShape& s, int kind, Activation act, float alpha, bool bias) {
  std::string key(reinterpret_cast<const char*>(&s), sizeof s);
  key.push_back(static_cast<char>(kind));
  key.push_back(static_cast<char>(act));
  key.push_back(bias ? 1 : 0);
  key.append(reinterpret_cast<const char*>(&alpha), sizeof alpha);
  // A primitive keeps the OpenMP thread count it was created with.
  const int threads = max_threads();
  key.append(reinterpret_cast<const char*>(&threads), sizeof threads);
  return key;
}

dnnl::convolution_forward::desc forward_desc(const ConvShape& s, const memory::desc& weights, bool bias) {
  const memory::desc src(src_dims(s), f32, tag::nhwc), dst(dst_dims(s), f32, tag::nhwc);
  const memory::dims strides{s.sh, s.sw}, dilation{s.dh - 1, s.dw - 1}, pad_l{s.top, s.left},
      pad_r{s.bottom, s.right};
  if (bias) {
    const memory::desc b({s.co}, f32, tag::x);
    return {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src, weights, b, dst,
            strides, dilation, pad_l, pad_r};
  }
  return {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src, weights, dst,
          strides, dilation, pad_l, pad_r};
}

void add_activation(dnnl::post_ops& ops, Activation act, float alpha) {
  using dnnl::algorithm;
  switch (act) {
    case Activation::linear: return;
    case Activation::relu: ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); return;
    case Activation::relu6: ops.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f); return;
    case Activation::sigmoid: ops.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f); return;
    case Activation::elu: ops.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f); return;
    case Activation::leaky_relu: ops.append_eltwise(1.f, algorithm::eltwise_relu, alpha, 0.f); return;
  }
}

const Prepared& prepare(const ConvShape& s, int kind, Activation act, float alpha, bool bias) {
  thread_local std::unordered_map<std::string, Prepared> cache;
  const std::string key = key_of(s, kind, act, alpha, bias);
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  // Shapes repeat (one per layer and batch size); a bound keeps odd workloads from growing it forever.
  if (cache.size() >= 1024) cache.clear();
  const memory::desc any_weights(weight_dims(s), f32, tag::any);
  Prepared prepared;
  if (kind == 0) {
    dnnl::post_ops ops;
    add_activation(ops, act, alpha);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    const dnnl::convolution_forward::primitive_desc pd(forward_desc(s, any_weights, bias), attr, cpu());
    prepared = {dnnl::convolution_forward(pd), pd.weights_desc()};
  } else {
    // Few input channels: oneDNN's blocked kernels lose to its im2col GEMM, which reads the filter as is.
    const memory::desc weights =
        s.c / s.groups < 16 && s.groups == 1 ? memory::desc(weight_dims(s), f32, user_weight_tag(s)) : any_weights;
    const dnnl::convolution_forward::primitive_desc hint(forward_desc(s, weights, false), cpu());
    const dnnl::convolution_backward_data::desc desc(
        dnnl::algorithm::convolution_direct, memory::desc(src_dims(s), f32, tag::nhwc), weights,
        memory::desc(dst_dims(s), f32, tag::nhwc), {s.sh, s.sw}, {s.dh - 1, s.dw - 1}, {s.top, s.left},
        {s.bottom, s.right});
    const dnnl::convolution_backward_data::primitive_desc pd(desc, cpu(), hint);
    prepared = {dnnl::convolution_backward_data(pd), pd.weights_desc()};
  }
  return cache.emplace(key, std::move(prepared)).first->second;
}

// The filter in the layout `want`, reordered into a per-thread scratch buffer when it differs.
memory weights_for(const ConvShape& s, const float* w, const memory::desc& want) {
  const memory::desc user(weight_dims(s), f32, user_weight_tag(s));
  memory given(user, cpu(), const_cast<float*>(w));
  if (want == user) return given;
  memory reordered(want, cpu());
  dnnl::reorder(given, reordered).execute(cpu_stream(), given, reordered);
  return reordered;
}

}  // namespace

void conv_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                  Activation act, float alpha) {
  const Prepared& p = prepare(s, 0, act, alpha, bias != nullptr);
  memory src(memory::desc(src_dims(s), f32, tag::nhwc), cpu(), const_cast<float*>(x));
  memory dst(memory::desc(dst_dims(s), f32, tag::nhwc), cpu(), y);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights_for(s, w, p.weights)}, {DNNL_ARG_DST, dst}};
  if (bias) args.emplace(DNNL_ARG_BIAS, memory(memory::desc({s.co}, f32, tag::x), cpu(), const_cast<float*>(bias)));
  p.primitive.execute(cpu_stream(), args);
  cpu_stream().wait();
}

void conv_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const Prepared& p = prepare(s, 1, Activation::linear, 0.f, false);
  memory diff_dst(memory::desc(dst_dims(s), f32, tag::nhwc), cpu(), const_cast<float*>(dy));
  memory diff_src(memory::desc(src_dims(s), f32, tag::nhwc), cpu(), dx);
  p.primitive.execute(cpu_stream(), {{DNNL_ARG_DIFF_DST, diff_dst},
                                     {DNNL_ARG_WEIGHTS, weights_for(s, w, p.weights)},
                                     {DNNL_ARG_DIFF_SRC, diff_src}});
  cpu_stream().wait();
}

}  // namespace gradlens
