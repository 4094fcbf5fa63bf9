// TorchEngine: the trainer's Engine backed by a PyTorch worker group (FSDP2) that it launches with
// torchrun. The trainer listens on a TCP port; the group's leader connects, proves it is the group
// this engine started (a random token), and then answers one request at a time. Per step only the
// micro-batches and the learning rate cross; the state crosses as files (state-files.ts).
//
// Failure handling: the group ending, the connection closing, or MISSED_HEARTBEATS heartbeats in a
// row missing fail every pending and later request with a TorchEngineError that says what happened,
// and the whole process group is killed; the trainer stops and a restart resumes from its last checkpoint.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TorchRequest, TorchResponse } from '@cptflow/platform';
import { type TokenBatch, type TrainerOptions, toHfConfigJson, type LlamaConfig } from '@cptflow/model';
import type { Engine, EngineFactory, EngineState, EngineStepResult } from '@cptflow/training';
import { frame, readFrames } from './frames';
import { checkTorchEnvironment, PYTHON_PACKAGE_DIR } from './python-env';
import { DEFAULT_TORCH_SETTINGS, MISSED_HEARTBEATS, type TorchSettings } from './settings';
import { readStateFile, writeStateFile } from './state-files';

// The shapes of @cptflow/evaluation's ScoreRequest and ScoreResult, which score() answers. The evaluation lib
// builds on this one (its TorchLogLikelihoodModel wraps the engine), so the engine states them itself.
type ScoreRequest = { contextIds: number[]; continuationIds: number[] };
type ScoreResult = { logprob: number; isGreedy: boolean };

export class TorchEngineError extends Error {
  override readonly name = 'TorchEngineError';
}

type Waiter = { resolve: (r: TorchResponse) => void; reject: (e: Error) => void };
const STDERR_TAIL_BYTES = 4000;

/** The torchrun arguments of one node's workers (the trainer's node adds the channel in the environment). */
export function torchrunArgs(s: TorchSettings): string[] {
  const rendezvous = s.nnodes === 1 && !s.rdzvEndpoint ? ['--standalone'] : ['--rdzv-backend', 'c10d', '--rdzv-endpoint', s.rdzvEndpoint ?? '', '--rdzv-id', 'cptflow'];
  return ['-m', 'torch.distributed.run', '--nnodes', String(s.nnodes), '--node-rank', String(s.nodeRank), '--nproc-per-node', String(s.nprocPerNode), ...rendezvous, '-m', 'cptflow_torch.worker'];
}

/** How another node of a multi-node group starts its workers (no channel: only the trainer's node leads). */
export function otherNodeLaunch(s: TorchSettings, nodeRank: number): { args: string[]; env: Record<string, string> } {
  return { args: torchrunArgs({ ...s, nodeRank }), env: { PYTHONPATH: PYTHON_PACKAGE_DIR, CPTFLOW_TORCH_DEVICE: s.device } };
}

/** The command line for another node (printed by the trainer at start). */
export function otherNodeCommand(s: TorchSettings, nodeRank: number): string {
  const { args, env } = otherNodeLaunch(s, nodeRank);
  return `${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} python ${args.join(' ')}`;
}

export class TorchEngine implements Engine {
  private readonly pending = new Map<number, Waiter>();
  private nextId = 1;
  private failed: Error | null = null;
  private closing = false;
  private lastHeard = Date.now();
  private readonly watchdog: NodeJS.Timeout;
  private stderrTail = '';
  private readonly exited: Promise<void>;
  private socket: Socket | null = null;
  private readonly tempDirs: string[] = [];

  private constructor(
    private readonly config: LlamaConfig,
    private readonly settings: TorchSettings,
    private readonly child: ChildProcess,
    private readonly server: Server,
    private readonly log: (line: string) => void,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString('utf8').split('\n').filter(Boolean).forEach((l) => this.log(`[torch] ${l}`)));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        if (!this.closing) this.fail(`the torch worker group exited (${signal ?? `code ${code}`})${this.stderrSummary()}`);
        resolve();
      });
    });
    this.watchdog = setInterval(() => {
      if (!this.socket) return; // before the hello, startTimeoutMs applies
      const silentMs = Date.now() - this.lastHeard;
      if (silentMs > MISSED_HEARTBEATS * settings.heartbeatMs) {
        this.fail(`the torch worker group sent no heartbeat for ${(silentMs / 1000).toFixed(1)} s (hung?); stopped it`);
      }
    }, settings.heartbeatMs);
    this.watchdog.unref();
  }

  /** Launches the group, waits for its leader's hello and loads the state into it. */
  static async start(config: LlamaConfig, options: TrainerOptions, state: EngineState, partial: Partial<TorchSettings> = {}, log: (line: string) => void = () => undefined): Promise<TorchEngine> {
    const settings: TorchSettings = { ...DEFAULT_TORCH_SETTINGS, ...partial };
    if (typeof options.decay === 'function') throw new TorchEngineError('the torch engine takes a named decay policy, not a function');
    const env = checkTorchEnvironment(settings);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, settings.channelHost, resolve));
    const address = server.address() as AddressInfo;
    const token = randomBytes(16).toString('hex');
    const child = spawn(env.python, torchrunArgs(settings), {
      detached: true, // its own process group, so a failure kills every rank
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONPATH: [PYTHON_PACKAGE_DIR, process.env.PYTHONPATH].filter(Boolean).join(':'),
        CPTFLOW_TORCH_CHANNEL: `${settings.channelHost}:${address.port}`,
        CPTFLOW_TORCH_TOKEN: token,
        CPTFLOW_TORCH_DEVICE: settings.device,
        CPTFLOW_TORCH_HEARTBEAT_MS: String(settings.heartbeatMs),
        OMP_NUM_THREADS: String(settings.threadsPerRank ?? Math.max(1, Math.floor(cpus().length / settings.nprocPerNode))),
      },
    });
    const engine = new TorchEngine(config, settings, child, server, log);
    const compiled = settings.compile ? `, compiled (${settings.compileBackend})` : '';
    log(`torch worker group: ${settings.nnodes} node(s) x ${settings.nprocPerNode} process(es), ${settings.device}, ${settings.attention} attention${compiled}, torch ${env.torch} (${env.python})`);
    for (let r = 1; r < settings.nnodes; r++) log(`start node ${r}'s workers with: ${otherNodeCommand(settings, r)}`);
    try {
      await engine.connect(token);
      const dir = await engine.tempDir();
      await writeStateFile(dir, config, state);
      const { device, bf16, offload, activationCheckpointing, attention, compile, compileBackend } = settings;
      const torchOptions = { ...options, session: undefined, device, bf16, offload, activationCheckpointing, attention, compile, compileBackend };
      await engine.request({ init: { configJson: JSON.stringify(toHfConfigJson(config)), optionsJson: JSON.stringify(torchOptions), stateDir: dir } });
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      await engine.close();
      throw error;
    }
    return engine;
  }

  /** The torchrun process (its workers are its children). */
  get launcherPid(): number | undefined {
    return this.child.pid;
  }

  async step(microBatches: TokenBatch[], lr: number): Promise<EngineStepResult> {
    const bytes = (a: BigInt64Array | undefined) => (a ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : undefined);
    const first = microBatches[0];
    const response = await this.request({
      step: {
        lr,
        batch: first?.batch ?? 0,
        seq: first?.seq ?? 0,
        microBatches: microBatches.map((b) => ({ inputIds: bytes(b.inputIds), positionIds: bytes(b.positionIds), targets: bytes(b.targets), docIds: bytes(b.docIds) })),
      },
    });
    const r = response.step!;
    return { loss: r.loss ?? NaN, gradNorm: r.gradNorm ?? NaN, tokens: Number(r.tokens ?? 0), computeMs: r.computeMs ?? 0 };
  }

  /** Log-likelihoods of continuations (the evaluator's scoring), on the group's current weights. */
  async score(requests: readonly ScoreRequest[]): Promise<ScoreResult[]> {
    const response = await this.request({
      score: {
        requests: requests.map((r) => ({
          tokens: new Uint8Array(BigInt64Array.from([...r.contextIds, ...r.continuationIds], BigInt).buffer),
          continuationLength: r.continuationIds.length,
        })),
      },
    });
    const scored = response.score!;
    const logprobs = new Float64Array(new Uint8Array(scored.logprobs!).slice().buffer);
    const greedy = scored.isGreedy!;
    if (logprobs.length !== requests.length || greedy.length !== requests.length) throw new TorchEngineError(`torch engine scored ${logprobs.length} of ${requests.length} requests`);
    return Array.from(logprobs, (logprob, i) => ({ logprob, isGreedy: greedy[i] === 1 }));
  }

  async snapshot(): Promise<Required<EngineState>> {
    const dir = await this.tempDir();
    try {
      await this.request({ snapshot: { dir } });
      return await readStateFile(dir, this.config);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    if (!this.failed && this.socket) {
      await Promise.race([this.request({ close: {} }).catch(() => undefined), sleep(30_000)]);
    }
    this.closing = true;
    if (!(await Promise.race([this.exited.then(() => true), sleep(30_000).then(() => false)]))) this.killGroup();
    this.shutdownChannel();
    await Promise.all(this.tempDirs.map((d) => rm(d, { recursive: true, force: true })));
  }

  /** Resolves on the leader's hello (with the right token); rejects if the group dies or is too slow first. */
  private connect(token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`the torch worker group did not connect within ${this.settings.startTimeoutMs / 1000} s${this.stderrSummary()}`), this.settings.startTimeoutMs);
      this.pending.set(0, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.server.on('connection', (socket) => {
        if (this.socket) return socket.destroy();
        readFrames(
          socket,
          (payload) => this.onFrame(socket, token, payload),
          (e) => this.fail(`torch channel: ${e.message}`),
        );
        socket.on('close', () => {
          if (this.socket === socket && !this.closing) this.fail(`the torch worker group closed its connection${this.stderrSummary()}`);
        });
        socket.on('error', () => undefined); // 'close' follows and reports it
      });
    });
  }

  private onFrame(socket: Socket, token: string, payload: Buffer): void {
    let response: TorchResponse;
    try {
      response = TorchResponse.decode(payload);
    } catch (e) {
      return this.fail(`torch channel: undecodable message (${(e as Error).message})`);
    }
    this.lastHeard = Date.now();
    if (!this.socket) {
      // Anything else than our group's hello on a fresh connection is a stranger.
      if (response.hello?.token !== token) return void socket.destroy();
      this.socket = socket;
      this.log(`torch worker group connected: ${response.hello.worldSize} rank(s), ${response.hello.device}, ${response.hello.versions}`);
      this.settle(0, response);
      return;
    }
    if (response.heartbeat) return;
    this.settle(Number(response.id ?? 0), response);
  }

  private settle(id: number, response: TorchResponse): void {
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    if (response.error) waiter.reject(new TorchEngineError(`torch engine: ${response.error}`));
    else waiter.resolve(response);
  }

  private request(body: Omit<TorchRequest, 'id'>): Promise<TorchResponse> {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.socket) return Promise.reject(new TorchEngineError('the torch worker group is not connected'));
    const id = this.nextId++;
    const bytes = TorchRequest.encode({ ...body, id }).finish();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket!.write(frame(bytes));
    });
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = new TorchEngineError(message);
    for (const w of this.pending.values()) w.reject(this.failed);
    this.pending.clear();
    this.killGroup();
    this.shutdownChannel();
  }

  private killGroup(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.pid) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private shutdownChannel(): void {
    clearInterval(this.watchdog);
    this.socket?.destroy();
    this.server.close();
  }

  private async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'cptflow-torch-'));
    this.tempDirs.push(dir);
    return dir;
  }

  private stderrSummary(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-8).join('\n');
    return tail ? `; its last output:\n${tail}` : '';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** An EngineFactory for ContinuousTrainer that starts a TorchEngine with these settings. */
export function torchEngine(settings: Partial<TorchSettings>, log?: (line: string) => void): EngineFactory {
  return (config, options, state) => TorchEngine.start(config, options, state, settings, log);
}
