// Node-API bindings (Node and Deno load the same addon). Tensors arrive as Float32Array views of
// tfjs-backend-wasm's heap and are used in place; shapes arrive as an Int32Array. Every length is
// checked against the shape before a kernel touches memory.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "kernels.h"

namespace gradlens {
namespace {

struct Args {
  napi_env env;
  size_t count = 10;
  napi_value values[10];
  Args(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(env, info, &count, values, nullptr, nullptr);
  }
  bool is_null(size_t i) const {
    napi_valuetype type = napi_undefined;
    if (i < count) napi_typeof(env, values[i], &type);
    return type == napi_null || type == napi_undefined;
  }
  template <typename T>
  T* array(size_t i, napi_typedarray_type want, int64_t at_least, const char* name) const {
    if (i >= count) throw std::invalid_argument(std::string("missing argument ") + name);
    bool ok = false;
    napi_is_typedarray(env, values[i], &ok);
    if (!ok) throw std::invalid_argument(std::string(name) + " must be a typed array");
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_get_typedarray_info(env, values[i], &type, &length, &data, nullptr, nullptr);
    if (type != want) throw std::invalid_argument(std::string(name) + " has the wrong element type");
    if (static_cast<int64_t>(length) < at_least) {
      throw std::invalid_argument(std::string(name) + " holds " + std::to_string(length) + " values, needs " +
                                  std::to_string(at_least));
    }
    return static_cast<T*>(data);
  }
  float* floats(size_t i, int64_t at_least, const char* name) const {
    return array<float>(i, napi_float32_array, at_least, name);
  }
  float* optional_floats(size_t i, int64_t at_least, const char* name) const {
    return is_null(i) ? nullptr : floats(i, at_least, name);
  }
  int64_t length(size_t i) const {
    if (is_null(i)) return 0;
    size_t n = 0;
    napi_get_typedarray_info(env, values[i], nullptr, &n, nullptr, nullptr, nullptr);
    return static_cast<int64_t>(n);
  }
  const int32_t* ints(size_t i, int64_t at_least, const char* name) const {
    return array<int32_t>(i, napi_int32_array, at_least, name);
  }
  double number(size_t i) const {
    double v = 0;
    if (i < count) napi_get_value_double(env, values[i], &v);
    return v;
  }
};

template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    napi_throw_error(env, "GRADLENS_NATIVE", (std::string("oneDNN: ") + e.what()).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, "GRADLENS_NATIVE", e.what());
  }
  return nullptr;
}

ConvShape conv_shape(const int32_t* p) {
  ConvShape s{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14],
              p[15], p[16], p[17]};
  if (s.groups < 1 || s.c % s.groups || s.co % s.groups) throw std::invalid_argument("bad convolution groups");
  return s;
}

// conv2d(x, filter, bias | null, y, shape: Int32Array(18), activation, alpha)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    const ConvShape s = conv_shape(a.ints(4, 18, "shape"));
    const float* x = a.floats(0, s.n * s.h * s.w * s.c, "x");
    const float* w = a.floats(1, s.kh * s.kw * s.c * (s.co / s.groups), "filter");
    const float* bias = a.optional_floats(2, s.co, "bias");
    float* y = a.floats(3, s.n * s.oh * s.ow * s.co, "y");
    conv_forward(s, x, w, bias, y, static_cast<Activation>(a.number(5)), static_cast<float>(a.number(6)));
  });
}

// convBackwardData(dy, filter, dx, shape: Int32Array(18))
napi_value ConvBackwardData(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    const ConvShape s = conv_shape(a.ints(3, 18, "shape"));
    const float* dy = a.floats(0, s.n * s.oh * s.ow * s.co, "dy");
    const float* w = a.floats(1, s.kh * s.kw * s.c * (s.co / s.groups), "filter");
    float* dx = a.floats(2, s.n * s.h * s.w * s.c, "dx");
    conv_backward_data(s, dy, w, dx);
  });
}

// matmul(a, b, c, shape: Int32Array(8) [batch, m, n, k, transA, transB, strideA, strideB])
napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    const int32_t* p = a.ints(3, 8, "shape");
    const int64_t batch = p[0], m = p[1], n = p[2], k = p[3], sa = p[6], sb = p[7];
    const float* x = a.floats(0, (batch - 1) * sa + m * k, "a");
    const float* y = a.floats(1, (batch - 1) * sb + k * n, "b");
    float* c = a.floats(2, batch * m * n, "c");
    matmul(batch, m, n, k, p[4] != 0, p[5] != 0, x, sa, y, sb, c);
  });
}

// biasActivation(y, bias | null, rows, cols, activation, alpha)
napi_value BiasActivation(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    const int64_t rows = static_cast<int64_t>(a.number(2)), cols = static_cast<int64_t>(a.number(3));
    float* y = a.floats(0, rows * cols, "y");
    const int64_t bias_len = a.length(1);
    if (bias_len != 0 && bias_len != 1 && bias_len != cols) throw std::invalid_argument("bias length must be 1 or cols");
    const float* bias = a.optional_floats(1, 1, "bias");
    bias_activation(rows, cols, y, bias, bias_len, static_cast<Activation>(a.number(4)),
                    static_cast<float>(a.number(5)));
  });
}

// maxPoolGrad(x, dy, dx, shape: Int32Array(12) [n, h, w, c, oh, ow, fh, fw, sh, sw, top, left])
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    const int32_t* p = a.ints(3, 12, "shape");
    const PoolShape s{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]};
    max_pool_grad(s, a.floats(0, s.n * s.h * s.w * s.c, "x"), a.floats(1, s.n * s.oh * s.ow * s.c, "dy"),
                  a.floats(2, s.n * s.h * s.w * s.c, "dx"));
  });
}

// avgPoolGrad(dy, dx, shape: Int32Array(12) as maxPoolGrad's)
napi_value AvgPoolGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    const int32_t* p = a.ints(2, 12, "shape");
    const PoolShape s{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]};
    avg_pool_grad(s, a.floats(0, s.n * s.oh * s.ow * s.c, "dy"), a.floats(1, s.n * s.h * s.w * s.c, "dx"));
  });
}

// batchNorm(x, mean, variance, offset | null, scale | null, y, channels, epsilon)
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    const int64_t channels = static_cast<int64_t>(a.number(6));
    const int64_t count = a.length(0);
    if (channels < 1 || count % channels) throw std::invalid_argument("x's length is not a multiple of channels");
    auto per_channel = [&](size_t i, const char* name) {
      const int64_t n = a.length(i);
      if (n != 1 && n != channels) throw std::invalid_argument(std::string(name) + " must hold 1 or C values");
      return n;
    };
    const int64_t mean_len = per_channel(1, "mean"), var_len = per_channel(2, "variance");
    const int64_t offset_len = a.is_null(3) ? 0 : per_channel(3, "offset");
    const int64_t scale_len = a.is_null(4) ? 0 : per_channel(4, "scale");
    batch_norm(count, channels, a.floats(0, count, "x"), a.floats(1, 1, "mean"), mean_len,
               a.floats(2, 1, "variance"), var_len, a.optional_floats(3, 1, "offset"), offset_len,
               a.optional_floats(4, 1, "scale"), scale_len, static_cast<float>(a.number(7)),
               a.floats(5, count, "y"));
  });
}

// Reads [rank, shape..., a..., b...] (a/b: begin/size or before/after) into int64 vectors, checking the rank.
void read_axes(const Args& a, size_t i, std::vector<int64_t>& shape, std::vector<int64_t>& first,
               std::vector<int64_t>& second) {
  const int32_t* p = a.ints(i, 1, "axes");
  const int64_t rank = p[0];
  if (rank < 0 || rank > 8) throw std::invalid_argument("rank must be 0..8");
  p = a.ints(i, 1 + 3 * rank, "axes");
  for (int64_t d = 0; d < rank; d++) {
    shape.push_back(p[1 + d]);
    first.push_back(p[1 + rank + d]);
    second.push_back(p[1 + 2 * rank + d]);
    if (shape[d] < 0 || first[d] < 0 || second[d] < 0) throw std::invalid_argument("negative extent");
  }
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

// slice(x, y, axes: Int32Array [rank, shape..., begin..., size...])
napi_value Slice(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    std::vector<int64_t> shape, begin, size;
    read_axes(a, 2, shape, begin, size);
    for (size_t d = 0; d < shape.size(); d++) {
      if (begin[d] + size[d] > shape[d]) throw std::invalid_argument("slice reaches past the input");
    }
    slice(static_cast<int>(shape.size()), shape.data(), begin.data(), size.data(), a.floats(0, product(shape), "x"),
          a.floats(1, product(size), "y"));
  });
}

// pad(x, y, axes: Int32Array [rank, shape..., before..., after...], value)
napi_value Pad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&] {
    std::vector<int64_t> shape, before, after;
    read_axes(a, 2, shape, before, after);
    std::vector<int64_t> out(shape.size());
    for (size_t d = 0; d < shape.size(); d++) out[d] = before[d] + shape[d] + after[d];
    pad(static_cast<int>(shape.size()), shape.data(), before.data(), after.data(), static_cast<float>(a.number(3)),
        a.floats(0, product(shape), "x"), a.floats(1, product(out), "y"));
  });
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  set_threads(static_cast<int>(a.number(0)));
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, v;
  napi_create_object(env, &out);
  const dnnl_version_t* version = dnnl_version();
  const std::string onednn =
      std::to_string(version->major) + "." + std::to_string(version->minor) + "." + std::to_string(version->patch);
  napi_create_string_utf8(env, onednn.c_str(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "onednn", v);
  napi_create_string_utf8(env, isa(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "isa", v);
  napi_create_int32(env, max_threads(), &v);
  napi_set_named_property(env, out, "threads", v);
  return out;
}

}  // namespace
}  // namespace gradlens

NAPI_MODULE_INIT() {
  using namespace gradlens;
  const struct {
    const char* name;
    napi_callback fn;
  } functions[] = {{"conv2d", Conv2d},           {"convBackwardData", ConvBackwardData},
                   {"matmul", Matmul},           {"biasActivation", BiasActivation},
                   {"maxPoolGrad", MaxPoolGrad}, {"batchNorm", BatchNorm},
                   {"slice", Slice},             {"avgPoolGrad", AvgPoolGrad},             {"pad", Pad},
                   {"setThreads", SetThreads},   {"info", Info}};
  for (const auto& f : functions) {
    napi_value value;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &value);
    napi_set_named_property(env, exports, f.name, value);
  }
  return exports;
}
