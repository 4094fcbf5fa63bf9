// The `stages.trainer.torch` settings: how the worker group is launched and what it runs with.
export const TORCH_ATTENTIONS = ['sdpa', 'flex'] as const;
export type TorchAttention = (typeof TORCH_ATTENTIONS)[number];
export const TORCH_COMPILE_BACKENDS = ['inductor', 'aot_eager'] as const;
export type TorchCompileBackend = (typeof TORCH_COMPILE_BACKENDS)[number];

export interface TorchSettings {
  /** Interpreter with torch, transformers, safetensors; default $CPTFLOW_PYTHON, then the repo's .cache/python. */
  python?: string;
  /** Worker processes on this node (one per GPU with device cuda). */
  nprocPerNode: number;
  /** Machines in the group; the others start their workers with the command the trainer logs. */
  nnodes: number;
  /** This node's rank (the trainer's node is normally 0). */
  nodeRank: number;
  /** c10d rendezvous host:port, reachable from every node; omitted on one node (torchrun --standalone). */
  rdzvEndpoint?: string;
  /** Address the trainer listens on for the group's leader (another node's leader must reach it). */
  channelHost: string;
  device: 'cpu' | 'cuda';
  /** FSDP2 CPUOffloadPolicy: parameters, gradients and optimizer state in host memory. */
  offload: boolean;
  activationCheckpointing: boolean;
  /** bf16 compute with fp32 master weights (GPU). */
  bf16: boolean;
  /**
   * How attention stays inside documents: `sdpa` with a dense [batch, 1, seq, seq] mask (the CPU
   * default), or `flex` — flex_attention with a BlockMask, no seq² mask and fused kernels (GPUs).
   */
  attention: TorchAttention;
  /** torch.compile every decoder block (GPUs; the first steps pay the compilation). */
  compile: boolean;
  /** The torch.compile backend: `inductor` (generates kernels) or `aot_eager` (tests: same graphs, no code generation). */
  compileBackend: TorchCompileBackend;
  /** The leader sends a heartbeat this often; 10 missed in a row mean a hung group. */
  heartbeatMs: number;
  /** CPU threads per worker process (default: this machine's cores / nprocPerNode). */
  threadsPerRank?: number;
  /** How long the group may take to start and say hello. */
  startTimeoutMs: number;
}

export const DEFAULT_TORCH_SETTINGS: TorchSettings = Object.freeze({
  nprocPerNode: 1,
  nnodes: 1,
  nodeRank: 0,
  channelHost: '127.0.0.1',
  device: 'cpu',
  offload: false,
  activationCheckpointing: false,
  bf16: false,
  attention: 'sdpa',
  compile: false,
  compileBackend: 'inductor',
  heartbeatMs: 1000,
  startTimeoutMs: 120_000,
});

export const MISSED_HEARTBEATS = 10;
