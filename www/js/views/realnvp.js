// RealNVP shares the flows' page: views/flow.js shows either flow (its couplings affine, each
// with a log-det; multi-scale, half of the numbers leaving as z after each scale).
export { mount } from './flow.js';
