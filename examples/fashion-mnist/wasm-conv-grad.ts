/**
 * The stride-1 wasm `Conv2DBackpropFilter` that makes training the example's CNN take minutes.
 * It lives in core (core/engine/wasm/conv-filter-grad.ts, one implementation); this name stays
 * for the example's training scripts.
 */
export { registerWasmConvFilterGrad } from '../../core/engine/wasm/conv-filter-grad.ts';
