import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileDigestMismatch, verifyFileDigests } from '../checkpoint';
import { initParameters, saveHfModel, toHfConfigJson } from '@cptflow/model';
import { ConfigError } from '@cptflow/platform';
import { HF_EXPORT_MANIFEST, loadStartingModel, readHfExport, writeHfExport } from './model-files';
import { llama2Tokenizer, TINY_LLAMA2 } from './testing/fixtures';
import { tempDir } from './testing/harness';

test('an HF export lists every file with its sha256; a damaged one is caught and written again', async () => {
  const checkpoint = tempDir('export');
  const params = initParameters(TINY_LLAMA2, 3);
  const written = await writeHfExport(checkpoint, toHfConfigJson(TINY_LLAMA2), params, llama2Tokenizer().tokenizerPath);
  const onDisk = readdirSync(written.dir).sort();
  for (const name of ['config.json', HF_EXPORT_MANIFEST, 'model.safetensors', 'tokenizer.json']) assert.ok(onDisk.includes(name), `${name} in ${onDisk}`);
  assert.deepEqual(written.files.map((f) => f.name), onDisk.filter((n) => n !== HF_EXPORT_MANIFEST), 'every other file listed');
  assert.deepEqual(JSON.parse(readFileSync(join(written.dir, HF_EXPORT_MANIFEST), 'utf8')).files, written.files);
  await verifyFileDigests(written.dir, written.files);

  // Same-size damage in the weights: verification names the file; the export is rewritten intact.
  const weights = join(written.dir, 'model.safetensors');
  const bytes = readFileSync(weights);
  bytes[bytes.length - 5] ^= 0x40;
  writeFileSync(weights, bytes);
  await assert.rejects(verifyFileDigests(written.dir, written.files), (e: Error) => e instanceof FileDigestMismatch && /model\.safetensors: sha256 differs/.test(e.message));
  assert.equal(await readHfExport(checkpoint), null);
  const again = await writeHfExport(checkpoint, toHfConfigJson(TINY_LLAMA2), params, llama2Tokenizer().tokenizerPath);
  assert.deepEqual(again.files, written.files, 'the same weights give the same files');
  await verifyFileDigests(again.dir, again.files);

  writeFileSync(join(written.dir, 'tokenizer.json'), '');
  await assert.rejects(verifyFileDigests(again.dir, again.files), /tokenizer\.json: 0 bytes, \d+ listed/);
  await assert.rejects(verifyFileDigests(again.dir, [{ name: '../etc/passwd', bytes: 1, sha256: '0'.repeat(64) }]), /not a plain file name/);
});

test('a starting model directory that cannot be loaded is a ConfigError naming the file (the service exits 2)', async () => {
  const dir = tempDir('base');
  const params = initParameters(TINY_LLAMA2, 3);
  await saveHfModel(dir, TINY_LLAMA2, params);
  const weights = readFileSync(join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'model.safetensors'), weights.subarray(0, weights.length >> 1));
  await assert.rejects(loadStartingModel({ kind: 'base', dir }), (e: Error) => e instanceof ConfigError && /model\.safetensors: .*truncated/.test(e.message));
  await saveHfModel(dir, TINY_LLAMA2, params);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...toHfConfigJson(TINY_LLAMA2), hidden_size: 'wide' }));
  await assert.rejects(loadStartingModel({ kind: 'base', dir }), (e: Error) => e instanceof ConfigError && /config\.json: hidden_size must be a positive integer, got "wide"/.test(e.message));
});
