import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@cptflow/platform';
import { llama2TokenizerPath } from '../packing';
import { writeCharTokenizerModel } from '../packing/testing/char-tokenizer';
import { dedupSettings, openPackerTokenizer, openSignatureStore, packerSettings } from './stage-settings';

test("the packer's idleFlushSeconds past what a timer can wait is refused (it would flush every open sequence after 1 ms)", () => {
  const settingsOf = (packer: object) => packerSettings(loadConfig({ env: {}, overrides: { stages: { packer } } }));
  assert.throws(() => settingsOf({ idleFlushSeconds: 1e7 }), /stages\.packer:[\s\S]*idleFlushSeconds: .*at most 2147483\.647/);
  assert.equal(settingsOf({ idleFlushSeconds: 3600 }).idleFlushSeconds, 3600);
});

test('a dedup SQLite store path holding something else is a ConfigError naming the setting and the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-dedup-settings-'));
  try {
    const file = path.join(dir, 'signatures.sqlite');
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256)));
    const settings = dedupSettings(loadConfig({ env: {}, overrides: { stages: { dedup: { store: { kind: 'sqlite', path: file } } } } }));
    assert.throws(() => openSignatureStore(settings), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`stages.dedup.store.path: ${file} is not a SQLite database`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the packer's stages.packer.modelDir packs with the model's own tokenizer and refuses one that does not fit", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-packer-settings-'));
  try {
    const settingsOf = (packer: object) => packerSettings(loadConfig({ env: {}, overrides: { stages: { packer } } }));
    const modelDir = writeCharTokenizerModel(path.join(dir, 'char'));
    const tokenizer = await openPackerTokenizer(settingsOf({ modelDir }));
    assert.equal(tokenizer.tokenizerPath, path.join(modelDir, 'tokenizer.json'));
    assert.equal((await openPackerTokenizer(settingsOf({}))).tokenizerPath, llama2TokenizerPath(), 'LLaMA-2 without a model');
    fs.copyFileSync(llama2TokenizerPath(), path.join(modelDir, 'tokenizer.json'));
    await assert.rejects(openPackerTokenizer(settingsOf({ modelDir })), /does not fit model .*config\.json: the tokenizer has 32000 ids/);
    assert.throws(() => settingsOf({ modelDir, tokenizerPath: llama2TokenizerPath() }), /tokenizerPath: give modelDir .* or tokenizerPath, not both/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
