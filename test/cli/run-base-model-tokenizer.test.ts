// Issue 12 item 4: `cptflow run --base-model DIR` packs, trains and evaluates with DIR's own tokenizer
// (it used to pack with LLaMA-2's whatever the model), and stops with exit 2 naming the files when the
// model has no tokenizer or one that does not fit it. The model is the tiny-llama fixture (256-row
// embedding) with a character tokenizer whose ids are nothing like LLaMA-2's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DocumentTokenizer, llama2TokenizerPath } from '@cptflow/data';
import { writeCharTokenizerModel } from '@cptflow/data/testing';
import { corpusSlice, runCli } from '../support/cli-process';

function runArgs(dir: string, model: string, out: string): string[] {
  const heldout = corpusSlice('domain', 2, dir);
  return [
    'run', '--base-model', model, '--domain', corpusSlice('domain', 30, dir), '--general', corpusSlice('general', 5, dir),
    '--domain-heldout', heldout, '--general-heldout', heldout, '--heldout-docs', '2',
    '--replay', '0', '--seq-len', '64', '--tokens', '1k', '--checkpoint-every', '1k', '--out', out,
  ];
}

test("cptflow run trains and evaluates a model with its own tokenizer, not LLaMA-2's", { timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-run-tokenizer-'));
  try {
    const model = writeCharTokenizerModel(path.join(dir, 'model'));
    const out = path.join(dir, 'out');
    const { code, output } = await runCli(runArgs(dir, model, out), 220_000);
    assert.equal(code, 0, output);
    const own = DocumentTokenizer.load({ tokenizerPath: path.join(model, 'tokenizer.json') }).tokenizerId;
    const checkpoints = path.join(out, 'checkpoints', 'cpt');
    const steps = fs.readdirSync(checkpoints).filter((d) => d.startsWith('step-'));
    assert.ok(steps.length > 0, output);
    for (const step of steps) {
      const manifest = JSON.parse(fs.readFileSync(path.join(checkpoints, step, 'manifest.json'), 'utf8'));
      assert.equal(manifest.extra.tokenizerId, own, `${step} was trained on sequences packed with the model's tokenizer`);
    }
    assert.doesNotMatch(output, /dead-lettered/, 'no sequence was refused by the trainer');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('cptflow run stops with exit 2 and one line naming the files when the model has no tokenizer or one that does not fit', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-run-tokenizer-'));
  try {
    const bare = writeCharTokenizerModel(path.join(dir, 'bare'), { tokenizer: false });
    const missing = await runCli(runArgs(dir, bare, path.join(dir, 'out-bare')), 50_000);
    assert.equal(missing.code, 2, missing.output);
    // The user's directory is named (where they must add the file), not the run's copy of it.
    assert.ok(missing.output.includes(`cptflow: model ${bare} has no tokenizer.json`), missing.output);
    assert.doesNotMatch(missing.output, /\n\s+at /, 'no stack trace');

    const llama2 = writeCharTokenizerModel(path.join(dir, 'llama2'));
    fs.copyFileSync(llama2TokenizerPath(), path.join(llama2, 'tokenizer.json'));
    const mismatch = await runCli(runArgs(dir, llama2, path.join(dir, 'out-llama2')), 50_000);
    assert.equal(mismatch.code, 2, mismatch.output);
    assert.ok(
      mismatch.output.includes(`cptflow: tokenizer ${path.join(llama2, 'tokenizer.json')} does not fit model ${path.join(llama2, 'config.json')}: the tokenizer has 32000 ids, the model's vocab_size is 256`),
      mismatch.output,
    );
    assert.doesNotMatch(mismatch.output, /\n\s+at /, 'no stack trace');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
