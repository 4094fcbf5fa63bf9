export { Xoshiro128, RngState, seededUniform } from './xoshiro128';
export { Mt19937 } from './mt19937';
