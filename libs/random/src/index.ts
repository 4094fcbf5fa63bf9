export { Xoshiro128, RngState } from './xoshiro128';
