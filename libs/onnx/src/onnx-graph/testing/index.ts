// Test scaffolding for libs/onnx/src/onnx-graph: finite-difference gradient checks of autodiff. For tests and
// benchmarks only; production code imports libs/onnx/src/onnx-graph's main entry, never this one.
export { checkGradients, CheckInput, GradCheckOptions, GradCheckResult, randomArray } from './gradient-check';
