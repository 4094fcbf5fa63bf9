export { Xoshiro128, RngState, seededUniform } from './xoshiro128';
