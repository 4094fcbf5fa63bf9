import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  fromFloat32,
  INDEX_FILE,
  SafetensorsError,
  SafetensorsModel,
  readFloat32TensorsSync,
  SafetensorsReader,
  saveSafetensorsModel,
  TensorToWrite,
  toFloat32,
  writeSafetensors,
} from './index';
import { requirePython, skipWithoutPython } from '../../../../test/support/python';

// Tests run from dist/libs/model/src/safetensors; fixtures stay in the source tree.
const ROOT = resolve(__dirname, '../../../../..');
const FIXTURES = join(ROOT, 'libs/model/fixtures/safetensors');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'safetensors-test-'));
}

interface MixedEntry {
  dtype: string;
  shape: number[];
  values: Array<number | string | boolean>;
}

test('reads every dtype written by Python safetensors, with shapes and metadata', async () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'mixed.json'), 'utf8')) as Record<string, MixedEntry>;
  const reader = await SafetensorsReader.open(join(FIXTURES, 'mixed.safetensors'));
  try {
    assert.deepEqual(reader.metadata, { format: 'pt', source: 'generate_fixtures.py' });
    assert.deepEqual(reader.names().sort(), Object.keys(expected).sort());
    for (const [name, want] of Object.entries(expected)) {
      assert.deepEqual(reader.info(name).shape, want.shape, name);
      const data = await reader.read(name);
      if (want.dtype === 'int64') {
        assert.deepEqual([...(data as BigInt64Array)].map(String), want.values, name);
      } else if (want.dtype === 'bool') {
        assert.deepEqual([...(data as Uint8Array)].map((b) => b === 1), want.values, name);
      } else if (want.dtype === 'float16' || want.dtype === 'bfloat16') {
        assert.deepEqual([...(await reader.readFloat32(name))], want.values, name);
      } else if (want.dtype === 'float32') {
        assert.deepEqual([...(data as Float32Array)], want.values.map((v) => Math.fround(v as number)), name);
      } else {
        assert.deepEqual(Array.from(data as ArrayLike<number>), want.values, name);
      }
    }
    assert.equal(reader.info('f16').dtype, 'F16');
    assert.equal(reader.info('bf16').dtype, 'BF16');
  } finally {
    await reader.close();
  }
});

test('the synchronous whole-file read gives what the positioned reader gives, and refuses a truncated file', async () => {
  const file = join(FIXTURES, 'conversions.safetensors');
  const all = readFloat32TensorsSync(file);
  const reader = await SafetensorsReader.open(file);
  try {
    assert.deepEqual([...all.keys()].sort(), reader.names().sort());
    for (const [name, { shape, data }] of all) {
      assert.deepEqual(shape, reader.info(name).shape, name);
      assert.deepEqual(data, await reader.readFloat32(name), name);
    }
  } finally {
    await reader.close();
  }
  const dir = tempDir();
  try {
    const bytes = readFileSync(file);
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 4));
    assert.throws(() => readFloat32TensorsSync(join(dir, 'cut.safetensors')), SafetensorsError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('float16 and bfloat16 conversions match torch bit for bit (round to nearest even, both ways)', async () => {
  const reader = await SafetensorsReader.open(join(FIXTURES, 'conversions.safetensors'));
  try {
    const f32 = (await reader.read('f32')) as Float32Array;
    for (const [dtype, raw, back] of [
      ['F16', 'as_f16', 'f16_back'],
      ['BF16', 'as_bf16', 'bf16_back'],
    ] as const) {
      const ours = fromFloat32(dtype, f32) as Uint16Array;
      const torchBits = (await reader.read(raw)) as Uint16Array;
      const mismatches = [...ours.keys()].filter((i) => ours[i] !== torchBits[i] && !(isNaN(f32[i])));
      assert.deepEqual(mismatches.map((i) => [f32[i], ours[i], torchBits[i]]), [], `${dtype} encoding`);
      const widened = toFloat32(dtype, torchBits);
      const torchBack = (await reader.read(back)) as Float32Array;
      assert.deepEqual(Array.from(widened, (x) => (isNaN(x) ? 'NaN' : x)), Array.from(torchBack, (x) => (isNaN(x) ? 'NaN' : x)));
      assert.ok(isNaN(toFloat32(dtype, ours)[f32.findIndex((x) => isNaN(x))]), `${dtype} keeps NaN a NaN`);
    }
  } finally {
    await reader.close();
  }
});

test('opens a sharded transformers checkpoint through its index and reads bf16 weights as float32', async () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'sharded.json'), 'utf8')) as {
    shapes: Record<string, number[]>;
    values: Record<string, number[]>;
  };
  const model = await SafetensorsModel.open(join(FIXTURES, 'sharded'));
  try {
    assert.deepEqual(model.names().sort(), Object.keys(expected.shapes).sort());
    assert.equal(new Set(model.weightMap.values()).size, 2, 'the fixture really has two shards');
    for (const [name, shape] of Object.entries(expected.shapes)) {
      const info = await model.info(name);
      assert.deepEqual(info.shape, shape, name);
      assert.equal(info.dtype, 'BF16', name);
    }
    for (const [name, values] of Object.entries(expected.values)) {
      assert.deepEqual([...(await model.readFloat32(name))], values, name);
    }
  } finally {
    await model.close();
  }
});

test('readRows reads only the requested rows of a tensor', async () => {
  const dir = tempDir();
  try {
    const data = Float32Array.from({ length: 6 * 4 }, (_, i) => i);
    await writeSafetensors(join(dir, 'rows.safetensors'), [['m', { shape: [6, 4], data }]]);
    const reader = await SafetensorsReader.open(join(dir, 'rows.safetensors'));
    assert.deepEqual([...((await reader.readRows('m', 2, 3)) as Float32Array)], [...data.subarray(8, 20)]);
    await assert.rejects(reader.readRows('m', 5, 2), SafetensorsError);
    await reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('write then read round-trips every dtype bit-exactly, and float32 is stored as bf16/f16 on request', async () => {
  const dir = tempDir();
  try {
    const f32 = Float32Array.from([0.1, -2.5, 1e-3, 300.125, NaN, Infinity]);
    const tensors: Array<[string, TensorToWrite]> = [
      ['a.f32', { shape: [2, 3], data: f32 }],
      ['a.as_bf16', { shape: [6], data: f32, dtype: 'BF16' }],
      ['a.as_f16', { shape: [3, 2], data: f32, dtype: 'F16' }],
      ['a.as_f64', { shape: [6], data: f32, dtype: 'F64' }],
      ['i64', { shape: [2], data: BigInt64Array.from([-(2n ** 63n), 2n ** 62n + 1n]) }],
      ['i32', { shape: [1, 1], data: Int32Array.from([-7]) }],
      ['u8', { shape: [3], data: Uint8Array.from([1, 0, 1]), dtype: 'BOOL' }],
      ['scalar', { shape: [], data: Float32Array.from([4]) }],
    ];
    const path = join(dir, 'rt.safetensors');
    await writeSafetensors(path, tensors, { metadata: { step: '12' } });
    const bytes = readFileSync(path);
    assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
    const reader = await SafetensorsReader.open(path);
    assert.deepEqual(reader.metadata, { step: '12' });
    assert.deepEqual([...((await reader.read('a.f32')) as Float32Array)], [...f32]);
    assert.deepEqual([...(await reader.readFloat32('a.as_bf16'))], [...toFloat32('BF16', fromFloat32('BF16', f32))]);
    assert.deepEqual([...(await reader.readFloat32('a.as_f16'))], [...toFloat32('F16', fromFloat32('F16', f32))]);
    assert.deepEqual([...(await reader.readFloat32('a.as_f64'))], [...f32]);
    assert.deepEqual([...((await reader.read('i64')) as BigInt64Array)], [-(2n ** 63n), 2n ** 62n + 1n]);
    assert.equal(reader.info('u8').dtype, 'BOOL');
    assert.deepEqual(reader.info('scalar').shape, []);
    assert.equal(reader.info('a.as_bf16').dtype, 'BF16');
    await reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving past the shard budget writes shards and an index that open back identically', async () => {
  const dir = tempDir();
  try {
    const tensors = Array.from({ length: 5 }, (_, i) => [`w${i}`, { shape: [100], data: Float32Array.from({ length: 100 }, (_, j) => i * 1000 + j) }] as [string, { shape: number[]; data: Float32Array }]);
    const { files, totalBytes } = await saveSafetensorsModel(dir, tensors, { maxShardBytes: 900 });
    assert.equal(totalBytes, 2000);
    assert.deepEqual(files, [
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
      INDEX_FILE,
    ]);
    const index = JSON.parse(readFileSync(join(dir, INDEX_FILE), 'utf8'));
    assert.equal(index.metadata.total_size, 2000);
    const model = await SafetensorsModel.open(dir);
    for (const [name, t] of tensors) assert.deepEqual([...(await model.readFloat32(name))], [...t.data]);
    await model.close();

    const single = tempDir();
    assert.deepEqual((await saveSafetensorsModel(single, tensors)).files, ['model.safetensors']);
    rmSync(single, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupt files fail with errors that name the problem', async () => {
  const dir = tempDir();
  try {
    const good = join(dir, 'good.safetensors');
    await writeSafetensors(good, [['x', { shape: [4], data: new Float32Array(4) }]]);
    const bytes = readFileSync(good);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + headerLength).toString();
    const withHeader = (json: string, data = bytes.subarray(8 + headerLength)) => {
      const h = Buffer.from(json);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(h.length));
      return Buffer.concat([len, h, data]);
    };
    const cases: Array<[string, Buffer, RegExp]> = [
      ['tiny', Buffer.from([1, 2, 3]), /too short/],
      ['huge-length', Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), Buffer.alloc(16)]), /exceeds/],
      ['past-end', Buffer.concat([Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(16)]), /past the end/],
      ['not-json', withHeader('{"x": {'), /not valid JSON/],
      ['array', withHeader('[1,2]'), /JSON object/],
      ['dtype', withHeader(header.replace('F32', 'F8_E9')), /unsupported dtype/],
      ['shape-size', withHeader('{"x":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}'), /needs 20 bytes/],
      ['truncated', withHeader(header, bytes.subarray(8 + headerLength, bytes.length - 4)), /truncated or padded/],
      ['gap', withHeader('{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}'), /gap or overlap/],
      ['offsets', withHeader('{"x":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}'), /invalid data_offsets/],
    ];
    for (const [name, content, message] of cases) {
      const path = join(dir, `${name}.safetensors`);
      writeFileSync(path, content);
      await assert.rejects(SafetensorsReader.open(path), (err: Error) => {
        assert.ok(err instanceof SafetensorsError, name);
        assert.match(err.message, message, name);
        assert.ok(err.message.includes(path), `${name}: error names the file`);
        return true;
      });
    }
    const reader = await SafetensorsReader.open(good);
    assert.throws(() => reader.info('nope'), /no tensor named "nope"/);
    await reader.close();
    await assert.rejects(SafetensorsModel.open(dir), /neither model.safetensors.index.json nor model.safetensors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Cross-check: Python's safetensors reads what we write (test/support/python: skipped without a Python
// environment, failing instead when CI=true).
test('files written here open in Python safetensors with the same values', { skip: skipWithoutPython() }, async () => {
  const dir = tempDir();
  try {
    const f32 = Float32Array.from([1.25, -0.0078125, 12345.678]);
    await writeSafetensors(join(dir, 'py.safetensors'), [
      ['bf', { shape: [3], data: f32, dtype: 'BF16' }],
      ['h', { shape: [3], data: f32, dtype: 'F16' }],
      ['f', { shape: [1, 3], data: f32 }],
      ['i', { shape: [2], data: BigInt64Array.from([5n, -9n]) }],
    ]);
    const script = [
      'import json,sys',
      'from safetensors.torch import load_file',
      'import torch',
      't = load_file(sys.argv[1])',
      'x = torch.tensor([1.25, -0.0078125, 12345.678], dtype=torch.float32)',
      'assert torch.equal(t["bf"], x.to(torch.bfloat16)), t["bf"]',
      'assert torch.equal(t["h"], x.to(torch.float16)), t["h"]',
      'assert torch.equal(t["f"], x.view(1, 3))',
      'assert t["i"].tolist() == [5, -9]',
      'print("ok")',
    ].join('\n');
    const out = execFileSync(requirePython(), ['-c', script, join(dir, 'py.safetensors')], { encoding: 'utf8' });
    assert.equal(out.trim(), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
