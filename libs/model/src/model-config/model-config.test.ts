import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SafetensorsReader } from '../safetensors';
import {
  decaysByDefault,
  initParameter,
  initParameters,
  loadLlamaConfig,
  MOBILELLM_125M,
  MOBILELLM_125M_PARAMETERS,
  ModelConfigError,
  parameterCount,
  parameterSpecs,
  parseLlamaConfig,
  TINY_TEST,
  toHfConfigJson,
} from './index';
import { requirePython, skipWithoutPython } from '../../../../test/support/python';

const ROOT = resolve(__dirname, '../../../../..');
const TINY_DIR = join(ROOT, 'libs/model/fixtures/llama/tiny-llama');

test('the tiny golden fixture config (transformers 5 format, rope_parameters) parses to the TINY_TEST preset', async () => {
  assert.deepEqual(await loadLlamaConfig(TINY_DIR), TINY_TEST);
});

test('MobileLLM-125M config: share_embedding ties the embeddings and the count is 124,635,456', async () => {
  const config = await loadLlamaConfig(join(ROOT, 'libs/model/fixtures/model-config/mobilellm-125m.config.json'));
  assert.deepEqual(config, MOBILELLM_125M);
  assert.equal(config.tieWordEmbeddings, true);
  assert.equal(parameterCount(config), MOBILELLM_125M_PARAMETERS);
  const specs = parameterSpecs(config);
  assert.ok(!specs.some((s) => s.name === 'lm_head.weight'));
  const byName = new Map(specs.map((s) => [s.name, s.shape]));
  assert.deepEqual(byName.get('model.embed_tokens.weight'), [32000, 576]);
  assert.deepEqual(byName.get('model.layers.29.self_attn.k_proj.weight'), [192, 576]);
  assert.deepEqual(byName.get('model.layers.0.mlp.down_proj.weight'), [576, 1536]);
  assert.equal(specs.length, 1 + 30 * 9 + 1);
});

test('parameter names and shapes equal those transformers saved for the tiny model', async () => {
  const reader = await SafetensorsReader.open(join(TINY_DIR, 'model.safetensors'));
  try {
    const specs = parameterSpecs(TINY_TEST);
    assert.deepEqual(specs.map((s) => s.name).sort(), reader.names().sort());
    for (const s of specs) assert.deepEqual(s.shape, reader.info(s.name).shape, s.name);
  } finally {
    await reader.close();
  }
});

test('an untied config adds lm_head.weight, matching a transformers sharded save', () => {
  const shapes = JSON.parse(readFileSync(join(ROOT, 'libs/model/fixtures/safetensors/sharded.json'), 'utf8')).shapes as Record<string, number[]>;
  const config = parseLlamaConfig({
    vocab_size: 128, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    intermediate_size: 48, max_position_embeddings: 64, tie_word_embeddings: false,
  });
  const specs = parameterSpecs(config);
  assert.deepEqual(Object.fromEntries(specs.map((s) => [s.name, [...s.shape]])), shapes);
  assert.equal(parameterCount(config), Object.values(shapes).reduce((a, s) => a + s[0] * (s[1] ?? 1), 0));
});

test('only matrices decay by default', () => {
  const decayed = parameterSpecs(TINY_TEST).filter(decaysByDefault).map((s) => s.name);
  assert.ok(decayed.includes('model.embed_tokens.weight'));
  assert.ok(decayed.every((n) => !n.endsWith('norm.weight')));
  const expected = JSON.parse(readFileSync(join(TINY_DIR, 'expected.json'), 'utf8'));
  assert.deepEqual(decayed.sort(), [...expected.adamw.decay_params].sort());
});

test('invalid configs are refused with the offending field named', () => {
  const base = toHfConfigJson(TINY_TEST);
  const cases: Array<[Record<string, unknown> | string, RegExp]> = [
    ['{nope', /not valid JSON/],
    [{ ...base, hidden_size: undefined }, /hidden_size is missing/],
    [{ ...base, num_hidden_layers: 2.5 }, /num_hidden_layers must be a positive integer/],
    [{ ...base, num_key_value_heads: 3 }, /multiple of num_key_value_heads/],
    [{ ...base, head_dim: undefined, hidden_size: 66 }, /divisible by num_attention_heads/],
    [{ ...base, attention_bias: true }, /attention_bias is true/],
    [{ ...base, hidden_act: 'gelu' }, /hidden_act is "gelu"/],
    [{ ...base, rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling is "llama3"/],
    [{ ...base, model_type: 'gpt2' }, /model_type is "gpt2"/],
    [{ ...base, eos_token_id: 256 }, /eosTokenId \(256\) is outside the vocabulary/],
    [{ ...base, rms_norm_eps: -1 }, /rms_norm_eps must be a positive number/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseLlamaConfig(input as Record<string, unknown>, 'my/config.json'), (err: Error) => {
      assert.ok(err instanceof ModelConfigError);
      assert.match(err.message, /^my\/config\.json: /);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.equal(parseLlamaConfig({ ...base, eos_token_id: [2, 5] }).eosTokenId, 2);
});

test('toHfConfigJson round-trips through the parser', () => {
  for (const config of [TINY_TEST, MOBILELLM_125M, { ...TINY_TEST, tieWordEmbeddings: false, padTokenId: 0 }]) {
    assert.deepEqual(parseLlamaConfig(JSON.stringify(toHfConfigJson(config))), config);
  }
});

test('transformers builds the same network from an exported config.json', { skip: skipWithoutPython() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-config-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(toHfConfigJson(MOBILELLM_125M)));
    const script = [
      'import sys, json, torch',
      'from transformers import AutoConfig, AutoModelForCausalLM',
      'c = AutoConfig.from_pretrained(sys.argv[1])',
      'with torch.device("meta"):',
      '    m = AutoModelForCausalLM.from_config(c)',
      'theta = (getattr(c, "rope_parameters", None) or {}).get("rope_theta", getattr(c, "rope_theta", None))',
      'print(json.dumps({"params": m.num_parameters(), "tied": m.lm_head.weight is m.model.embed_tokens.weight, "theta": theta, "cls": type(m).__name__}))',
    ].join('\n');
    const out = JSON.parse(execFileSync(requirePython(), ['-c', script, dir], { encoding: 'utf8' }).trim().split('\n').pop()!);
    assert.deepEqual(out, { params: MOBILELLM_125M_PARAMETERS, tied: true, theta: 10000, cls: 'LlamaForCausalLM' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('random init is deterministic, order-independent and follows HF (normal std=initializer_range, norms=1)', () => {
  const a = initParameters(TINY_TEST, 42);
  const b = initParameters(TINY_TEST, 42);
  for (const [name, values] of a) assert.deepEqual(values, b.get(name), name);
  const q1 = parameterSpecs(TINY_TEST).find((s) => s.name === 'model.layers.1.self_attn.q_proj.weight')!;
  assert.deepEqual(initParameter(TINY_TEST, q1, 42), a.get(q1.name), 'a tensor alone equals the same tensor in the full init');
  assert.notDeepEqual(initParameters(TINY_TEST, 43).get(q1.name), a.get(q1.name));
  assert.notDeepEqual(a.get('model.layers.0.self_attn.q_proj.weight'), a.get(q1.name));

  assert.ok(a.get('model.norm.weight')!.every((x) => x === 1));
  const emb = a.get('model.embed_tokens.weight')!;
  const mean = emb.reduce((s, x) => s + x, 0) / emb.length;
  const std = Math.sqrt(emb.reduce((s, x) => s + (x - mean) ** 2, 0) / emb.length);
  assert.ok(Math.abs(std - TINY_TEST.initializerRange) < 0.003, `std ${std}`);
  assert.ok(Math.abs(mean) < 0.003, `mean ${mean}`);

  const padded = initParameters({ ...TINY_TEST, padTokenId: 3 }, 42).get('model.embed_tokens.weight')!;
  assert.ok(padded.subarray(3 * 64, 4 * 64).every((x) => x === 0), 'padding row zeroed');
  assert.ok(padded.subarray(2 * 64, 3 * 64).some((x) => x !== 0));
});
