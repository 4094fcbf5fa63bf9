import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, topicsSchema } from '@cptflow/platform';
import { llama2TokenizerPath } from '@cptflow/data';
import { writeCharTokenizerModel } from '@cptflow/data/testing';
import { corpusSequences, recordsOf, testBus, testTrainerOptions } from '@cptflow/training/testing';

import { parseTrainerConfig, scheduleOf, trainerOptionsFromConfig } from './trainer.config';
import { TrainerModule } from './trainer.module';

const TOKEN = 'trainer-test-token-0123456789';
const withToken = { Authorization: `Bearer ${TOKEN}` };

describe('trainer service', () => {
  it('serves /status, /health and /ready, and checkpoints on shutdown', async () => {
    const bus = testBus();
    let closed = false;
    const options = testTrainerOptions(bus, { checkpoint: { ...testTrainerOptions(bus).checkpoint, everyTokens: undefined, everyMinutes: 60 } });
    const app = await NestFactory.create(
      TrainerModule.register(
        options,
        async () => {
          closed = true;
        },
        [TOKEN],
      ),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const get = async (path: string) => {
      const res = await fetch(url.replace('[::1]', '127.0.0.1') + path);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    assert.equal((await get('/health')).status, 200);
    await bus.publish(recordsOf('cpt.seqs.packed', await corpusSequences('domain', 64, 24, 60)));
    const deadline = Date.now() + 60_000;
    while (((await get('/status')).body.step as number) < 3) {
      assert.ok(Date.now() < deadline, 'no progress');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ready = await get('/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const status = (await get('/status')).body;
    assert.equal(status.tokensSeen, 3 * 8 * 64);
    assert.equal(typeof status.loss, 'number');
    assert.equal(typeof status.lr, 'number');
    assert.equal(status.lastCheckpoint, null);
    const refused = await fetch(url.replace('[::1]', '127.0.0.1') + '/schedule/decay', { method: 'POST', headers: withToken });
    assert.equal(refused.status, 400, 'a constant schedule has no decay to start');
    assert.match(((await refused.json()) as { message: string }).message, /startDecay needs a wsd schedule/);
    await app.close();
    assert.ok(closed);
    assert.ok(existsSync(join(options.checkpoint.dir, 'step-0000000003', 'manifest.json')), 'final checkpoint on shutdown');
    assert.ok(existsSync(join(options.checkpoint.dir, 'step-0000000003', 'hf', 'model.safetensors')));
  });

  it('starts the decay of an open WSD schedule on request, from the next step', async () => {
    const bus = testBus();
    const options = testTrainerOptions(bus, {
      schedule: { kind: 'wsd', peakLr: 1e-3, warmupSteps: 0, stableSteps: null, decaySteps: 4, minLrRatio: 0, decayShape: 'linear' },
    });
    const app = await NestFactory.create(TrainerModule.register(options, undefined, [TOKEN]), { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const seqs = await corpusSequences('domain', 64, 48, 60);
    await bus.publish(recordsOf('cpt.seqs.packed', seqs.slice(0, 16)));
    const until = async (step: number) => {
      while (((await (await fetch(url + '/status')).json()) as { step: number }).step < step) await new Promise((r) => setTimeout(r, 20));
    };
    await until(2);
    for (const headers of [{}, { Authorization: 'Bearer wrong-token-0123456789' }] as Array<Record<string, string>>) {
      const anonymous = await fetch(url + '/schedule/decay', { method: 'POST', headers });
      assert.equal(anonymous.status, 401, 'the irreversible decay needs the API token');
    }
    assert.equal(((await (await fetch(url + '/status')).json()) as { decayStartStep: number | null }).decayStartStep, null);
    const res = await fetch(url + '/schedule/decay', { method: 'POST', headers: withToken });
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as { decayStartStep: number }).decayStartStep, 2);
    await bus.publish(recordsOf('cpt.seqs.packed', seqs.slice(16, 48)));
    await until(6);
    const status = (await (await fetch(url + '/status')).json()) as { lr: number };
    // Steps 0-1 at the peak; decay over 4 steps from step 2: the 6th update (step 5) runs at 1e-3 x (1 - 3/4).
    assert.ok(Math.abs(status.lr - 2.5e-4) < 1e-9, `lr ${status.lr}`);
    await app.close();
  });

  it('refuses a bad config section with errors that name the fields', () => {
    assert.throws(
      () => parseTrainerConfig({ model: {}, batchRows: 3, seqLen: 100, tokensPerStep: 1000, replay: { fraction: 1.5, topic: 'x' } }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /model: give exactly one of baseDir or randomPreset/);
        assert.match(err.message, /replay\.fraction/);
        return true;
      },
    );
    assert.throws(() => parseTrainerConfig({ model: { randomPreset: 'tiny' }, batchRows: 3, seqLen: 100, tokensPerStep: 1000 }), /tokensPerStep: tokensPerStep must be a multiple/);
    assert.throws(() => parseTrainerConfig({ model: { randomPreset: 'tiny' }, schedule: { kind: 'cosine' } }), /schedule\.totalTokens: a cosine schedule needs totalTokens/);
    // a checkpoint period past what a timer can wait: a paused trainer would wake every millisecond
    assert.throws(() => parseTrainerConfig({ model: { randomPreset: 'tiny' }, checkpoint: { dir: '/tmp/x', everyMinutes: 1e6 } }), /checkpoint\.everyMinutes: .*at most 35791\.39/);
  });

  it("chooses weight-decay groups: 'matrices' by default (as transformers' Trainer), 'all' on request, nothing else", async () => {
    const bus = testBus();
    const optionsOf = async (optimizer?: object) => trainerOptionsFromConfig(parseTrainerConfig({ model: { randomPreset: 'cptflow-tiny' }, optimizer }), bus, topicsSchema.parse({}));
    assert.equal((await optionsOf()).decay, 'matrices');
    assert.equal((await optionsOf({ decay: 'all' })).decay, 'all');
    assert.throws(() => parseTrainerConfig({ model: { randomPreset: 'tiny' }, optimizer: { decay: 'norms' } }), /optimizer\.decay/);
    await bus.close();
  });

  it('a replay corpus that is cut short, fake gzip or empty is a ConfigError naming the setting and the file', async () => {
    const bus = testBus();
    const dir = mkdtempSync(join(tmpdir(), 'cptflow-trainer-replay-'));
    try {
      const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `replay text number ${i}. `.repeat(6) })).join('\n');
      const gz = gzipSync(lines);
      const files: Record<string, Buffer> = { 'cut.jsonl.gz': gz.subarray(0, gz.length >> 1), 'plain.jsonl.gz': Buffer.from(lines), 'empty.jsonl': Buffer.alloc(0), 'no-text.jsonl': Buffer.from('{"body": "x"}\n') };
      for (const [name, bytes] of Object.entries(files)) {
        const corpusPath = join(dir, name);
        writeFileSync(corpusPath, bytes);
        const section = parseTrainerConfig({ model: { randomPreset: 'cptflow-tiny' }, seqLen: 64, batchRows: 4, tokensPerStep: 256, replay: { fraction: 0.1, corpusPath } });
        await assert.rejects(
          trainerOptionsFromConfig(section, bus, topicsSchema.parse({})),
          (err: Error) => err instanceof ConfigError && err.message.startsWith(`stages.trainer.replay.corpusPath: ${corpusPath}:`),
          name,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await bus.close();
    }
  });

  it("trains with the base model's own tokenizer and refuses one that does not fit the model", async () => {
    const bus = testBus();
    const dir = mkdtempSync(join(tmpdir(), 'cptflow-trainer-tokenizer-'));
    try {
      const optionsOf = (model: object, tokenizerPath?: string) => trainerOptionsFromConfig(parseTrainerConfig({ model, tokenizerPath }), bus, topicsSchema.parse({}));
      const modelDir = writeCharTokenizerModel(join(dir, 'char'));
      const options = await optionsOf({ baseDir: modelDir });
      assert.equal(options.tokenizer.path, join(modelDir, 'tokenizer.json'));
      await assert.rejects(optionsOf({ baseDir: writeCharTokenizerModel(join(dir, 'bare'), { tokenizer: false }) }), /has no tokenizer\.json/);
      await assert.rejects(optionsOf({ baseDir: modelDir }, llama2TokenizerPath()), (err: Error) => err instanceof ConfigError && /the tokenizer has 32000 ids, the model's vocab_size is 256/.test(err.message));
      await assert.rejects(optionsOf({ randomPreset: 'tiny' }), /does not fit preset tiny: the tokenizer has 32000 ids, the model's vocab_size is 256/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await bus.close();
    }
  });

  it('reads API tokens from TRAINER_API_TOKEN, and refuses short ones by name', () => {
    assert.deepEqual(parseTrainerConfig({ model: { randomPreset: 'tiny' } }, { TRAINER_API_TOKEN: `${TOKEN}, ${TOKEN}x` }).apiTokens, [TOKEN, `${TOKEN}x`]);
    assert.deepEqual(parseTrainerConfig({ model: { randomPreset: 'tiny' } }, {}).apiTokens, []);
    assert.throws(() => parseTrainerConfig({ model: { randomPreset: 'tiny' }, apiTokens: ['short'] }, {}), /apiTokens\.0/);
  });

  it('converts token amounts to optimizer steps', () => {
    const c = parseTrainerConfig({ model: { randomPreset: 'tiny' }, seqLen: 64, batchRows: 2, tokensPerStep: 256, schedule: { kind: 'cosine', peakLr: 1e-3, warmupTokens: 1000, totalTokens: 400_000 } });
    assert.deepEqual(scheduleOf(c), { kind: 'cosine', peakLr: 1e-3, warmupSteps: 4, totalSteps: 1563, minLrRatio: 0.1 });
  });
});
