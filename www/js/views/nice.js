// NICE shares the flows' page: views/flow.js shows either flow (its couplings additive, their
// log-det 0; only the final scaling changes volume).
export { mount } from './flow.js';
