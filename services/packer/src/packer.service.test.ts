// The packer and quality-filter services as users start them: a model or scorer file that cannot be
// used is one line naming it and exit 2, like every other bad setting (not Nest's stack trace and 1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { llama2TokenizerPath } from '@cptflow/data';

const ROOT = resolve(__dirname, '../../../..');

function startService(service: string, config: object, dir: string) {
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ bus: { kind: 'memory' }, http: { port: 0 }, ...config }));
  const main = join(ROOT, 'dist/services', service, 'src/main.js');
  return spawnSync(process.execPath, [main], { env: { ...process.env, CPTFLOW_CONFIG: join(dir, 'config.json'), OTEL_SDK_DISABLED: 'true' }, encoding: 'utf8', timeout: 60_000 });
}

describe('stage services refuse unusable model files at start', () => {
  it('packer: a model whose tokenizer does not fit; quality-filter: a scorer model that is not ONNX', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cptflow-stage-files-'));
    try {
      const model = join(dir, 'model');
      mkdirSync(model);
      const config = JSON.parse(readFileSync(join(ROOT, 'data/models/cptflow-tiny-base/config.json'), 'utf8'));
      writeFileSync(join(model, 'config.json'), JSON.stringify({ ...config, vocab_size: 256 }));
      copyFileSync(llama2TokenizerPath(), join(model, 'tokenizer.json'));
      const packer = startService('packer', { stages: { packer: { modelDir: model } } }, dir);
      assert.equal(packer.status, 2, packer.stderr);
      assert.match(packer.stderr, /^cptflow-packer: tokenizer .*tokenizer\.json does not fit model .*config\.json/m);
      assert.doesNotMatch(packer.stderr, /\n\s+at /, 'no stack trace');

      writeFileSync(join(dir, 'scorer.onnx'), 'not an onnx model');
      const quality = startService('quality-filter', { stages: { qualityFilter: { scorer: { modelPath: join(dir, 'scorer.onnx'), tokenizerPath: llama2TokenizerPath() } } } }, dir);
      assert.equal(quality.status, 2, quality.stderr);
      assert.match(quality.stderr, /^cptflow-quality-filter: stages\.qualityFilter\.scorer: /m);
      assert.doesNotMatch(quality.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
