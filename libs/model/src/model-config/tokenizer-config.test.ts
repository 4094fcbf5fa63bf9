import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelConfigError, readTokenizerConfig } from './index';

test('tokenizer_config.json: special tokens as text or AddedToken objects; none without the file; bad JSON named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenizer-config-'));
  try {
    assert.deepEqual(readTokenizerConfig(dir), {});
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: { content: '</s>', lstrip: false }, pad_token: null }));
    assert.deepEqual(readTokenizerConfig(dir), { bosToken: '<s>', eosToken: '</s>', padToken: undefined });
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"eos_token": ');
    assert.throws(() => readTokenizerConfig(dir), (e: Error) => e instanceof ModelConfigError && /tokenizer_config\.json: not valid JSON/.test(e.message));
    writeFileSync(join(dir, 'tokenizer_config.json'), '[]');
    assert.throws(() => readTokenizerConfig(dir), /must be a JSON object/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
