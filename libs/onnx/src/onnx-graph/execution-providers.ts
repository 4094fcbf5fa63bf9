// Which ONNX Runtime execution providers sessions use. CPU unless the user's install has more: after
// `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12`, CPTFLOW_ORT_EXECUTION_PROVIDERS=cuda,cpu
// puts the trainer and evaluator on the GPU (ORT falls back along the list, op by op).
export function defaultExecutionProviders(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.CPTFLOW_ORT_EXECUTION_PROVIDERS ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  return listed.length ? listed : ['cpu'];
}
