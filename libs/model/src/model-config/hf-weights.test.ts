import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSafetensors } from '../safetensors';
import { loadHfModel, ModelConfigError, parameterSpecs, saveHfModel, TINY_TEST, toHfConfigJson } from './index';
import { requirePython, skipWithoutPython } from '../../../../test/support/python';

const ROOT = resolve(__dirname, '../../../../..');
const TINY_DIR = join(ROOT, 'libs/model/fixtures/llama/tiny-llama');

test('loads the transformers-saved tiny model with every parameter', async () => {
  const { config, weights } = await loadHfModel(TINY_DIR);
  assert.deepEqual(config, TINY_TEST);
  assert.deepEqual([...weights.keys()], parameterSpecs(TINY_TEST).map((s) => s.name));
});

test('save then load round-trips exactly in F32 (single file and sharded); BF16 stores rounded values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-weights-'));
  try {
    const { config, weights } = await loadHfModel(TINY_DIR);
    await saveHfModel(join(dir, 'single'), config, weights);
    await saveHfModel(join(dir, 'sharded'), config, weights, { maxShardBytes: 100_000 });
    assert.ok(existsSync(join(dir, 'sharded', 'model.safetensors.index.json')));
    for (const sub of ['single', 'sharded']) {
      const back = await loadHfModel(join(dir, sub));
      for (const [name, values] of weights) assert.deepEqual(back.weights.get(name), values, `${sub} ${name}`);
    }
    await saveHfModel(join(dir, 'bf16'), config, weights, { dtype: 'BF16' });
    const bf = await loadHfModel(join(dir, 'bf16'));
    const emb = weights.get('model.embed_tokens.weight')!;
    const embBf = bf.weights.get('model.embed_tokens.weight')!;
    assert.ok(embBf.every((x, i) => Math.abs(x - emb[i]) <= Math.abs(emb[i]) * 2 ** -8), 'bf16 keeps 8 significant bits');
    assert.notDeepEqual(embBf, emb);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tied model whose file has only lm_head.weight takes the embedding from it; missing weights are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-weights-'));
  try {
    const { weights } = await loadHfModel(TINY_DIR);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(toHfConfigJson(TINY_TEST)));
    const entries = parameterSpecs(TINY_TEST).map((s) => [s.name === 'model.embed_tokens.weight' ? 'lm_head.weight' : s.name, { shape: s.shape, data: weights.get(s.name)! }] as [string, { shape: readonly number[]; data: Float32Array }]);
    await writeSafetensors(join(dir, 'model.safetensors'), entries);
    const loaded = await loadHfModel(dir);
    assert.deepEqual(loaded.weights.get('model.embed_tokens.weight'), weights.get('model.embed_tokens.weight'));

    await writeSafetensors(join(dir, 'model.safetensors'), entries.filter(([n]) => n !== 'model.norm.weight'));
    await assert.rejects(loadHfModel(dir), /lack "model\.norm\.weight"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weights holding NaN or Infinity are refused by tensor; a layer count the weights cannot hold is refused before anything is built', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-weights-'));
  try {
    const { config, weights } = await loadHfModel(TINY_DIR);
    const norm = new Float32Array(weights.get('model.layers.1.input_layernorm.weight')!);
    norm[5] = Number.NaN;
    await saveHfModel(dir, config, new Map([...weights, ['model.layers.1.input_layernorm.weight', norm]]));
    await assert.rejects(loadHfModel(dir), (e: Error) => e instanceof ModelConfigError && /"model\.layers\.1\.input_layernorm\.weight" holds NaN at element 5/.test(e.message));
    norm[5] = Number.POSITIVE_INFINITY;
    await saveHfModel(dir, config, new Map([...weights, ['model.layers.1.input_layernorm.weight', norm]]));
    await assert.rejects(loadHfModel(dir), /holds Infinity at element 5/);

    // 10^12 layers: listing every layer's tensors would exhaust memory before any shape was compared
    await saveHfModel(dir, config, weights);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...toHfConfigJson(config), num_hidden_layers: 1e12 }));
    await assert.rejects(loadHfModel(dir), (e: Error) => e instanceof ModelConfigError && /num_hidden_layers is 1000000000000, but the weights lack "model\.layers\.999999999999\./.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an export opens in transformers and reproduces the golden logits', { skip: skipWithoutPython() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-weights-'));
  try {
    const { config, weights } = await loadHfModel(TINY_DIR);
    await saveHfModel(dir, config, weights);
    const script = [
      'import sys, json, torch',
      'from transformers import AutoModelForCausalLM',
      'from safetensors.torch import load_file',
      'm = AutoModelForCausalLM.from_pretrained(sys.argv[1], attn_implementation="eager").float().eval()',
      'b = json.load(open(sys.argv[2] + "/batch.json"))',
      'want = load_file(sys.argv[2] + "/expected.safetensors")["logits"]',
      'with torch.no_grad():',
      '    got = m(input_ids=torch.tensor(b["input_ids"])).logits',
      'print(json.dumps({"max_abs_diff": (got - want).abs().max().item(), "tied": m.lm_head.weight is m.model.embed_tokens.weight}))',
    ].join('\n');
    const out = execFileSync(requirePython(), ['-c', script, dir, TINY_DIR], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(result.tied, true);
    assert.ok(result.max_abs_diff < 1e-5, `logits differ by ${result.max_abs_diff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
