// torchrun groups of several processes (gloo on CPU) train exactly like one: 2 processes on one
// node, and two torchrun invocations joined as 2 nodes by c10d rendezvous on 127.0.0.1. Each rank
// takes whole micro-batches; FSDP2 shards parameters and moments over the ranks.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { batchFromPackedRows, type TokenBatch } from '@cptflow/model';
import { goldenSetup } from './testing/golden';
import { torchPythonOrSkip } from './testing/python';
import { DEFAULT_TORCH_SETTINGS, type TorchSettings } from './settings';
import { otherNodeLaunch, TorchEngine } from './torch-engine';

const { fx, config, lr, options } = goldenSetup();
const STEPS = 10;

function stepBatches(step: number): TokenBatch[] {
  return fx.trainBatches.input_ids[step].map((tokens, row) => batchFromPackedRows([{ tokens, documentStarts: [0, 3 + ((step + row) % 4), 10] }]));
}

async function run(settings: Partial<TorchSettings>): Promise<{ losses: number[]; params: Record<string, Float32Array> }> {
  const engine = await TorchEngine.start(config, options, { step: 0, params: Object.fromEntries(fx.params()) }, { threadsPerRank: 1, ...settings });
  try {
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) losses.push((await engine.step(stepBatches(s), lr)).loss);
    return { losses, params: (await engine.snapshot()).params };
  } finally {
    await engine.close();
  }
}

function assertSame(label: string, actual: Awaited<ReturnType<typeof run>>, expected: Awaited<ReturnType<typeof run>>): void {
  actual.losses.forEach((loss, s) => assert.ok(Math.abs(loss - expected.losses[s]) <= 1e-5, `${label}, step ${s}: loss ${loss} vs ${expected.losses[s]}`));
  for (const [name, e] of Object.entries(expected.params)) {
    const a = actual.params[name];
    for (let i = 0; i < e.length; i++) assert.ok(Math.abs(a[i] - e[i]) <= 1e-5 * (1 + Math.abs(e[i])), `${label}: ${name}[${i}] ${a[i]} vs ${e[i]}`);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('torchrun: 2 processes, and 2 nodes by c10d rendezvous, equal 1 process within 1e-5 over 10 steps', { timeout: 300_000 }, async (t) => {
  const python = torchPythonOrSkip(t);
  if (!python) return;
  const single = await run({ nprocPerNode: 1 });
  assertSame('2 processes', await run({ nprocPerNode: 2 }), single);

  const two: TorchSettings = { ...DEFAULT_TORCH_SETTINGS, nnodes: 2, rdzvEndpoint: `127.0.0.1:${await freePort()}`, threadsPerRank: 1 };
  const launch = otherNodeLaunch(two, 1);
  const node1 = spawn(python, launch.args, { env: { ...process.env, ...launch.env, OMP_NUM_THREADS: '1' }, stdio: 'ignore' });
  const node1Exit = new Promise<number | null>((resolve) => node1.on('exit', resolve));
  try {
    assertSame('2 nodes', await run(two), single);
    assert.equal(await node1Exit, 0, 'node 1 leaves the group cleanly when the trainer closes it');
  } finally {
    node1.kill('SIGKILL');
  }
});
