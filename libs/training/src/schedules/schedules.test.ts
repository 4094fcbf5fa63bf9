import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  advance,
  currentLr,
  initialScheduleState,
  learningRate,
  parseScheduleState,
  Schedule,
  ScheduleError,
  startDecay,
  validateSchedule,
} from './index';

const ROOT = resolve(__dirname, '../../../../..');

function close(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
}

test('every schedule equals transformers step by step (cosine, cosine with floor, constant, WSD x3 shapes)', () => {
  const fixture = JSON.parse(readFileSync(join(ROOT, 'libs/training/fixtures/schedules/hf_schedules.json'), 'utf8')) as {
    cases: Array<{ name: string; ours: Schedule; lrs: number[] }>;
  };
  assert.equal(fixture.cases.length, 6);
  for (const { name, ours, lrs } of fixture.cases) {
    const schedule = validateSchedule(ours);
    lrs.forEach((lr, step) => close(learningRate(schedule, step), lr, `${name} step ${step}`));
  }
});

test('cosine: 0 at step 0, peak at the end of warmup, half-way point, floor at and after totalSteps', () => {
  const s: Schedule = { kind: 'cosine', peakLr: 1e-3, warmupSteps: 100, totalSteps: 1100, minLrRatio: 0.1 };
  assert.equal(learningRate(s, 0), 0);
  close(learningRate(s, 50), 0.5e-3, 'mid-warmup');
  close(learningRate(s, 100), 1e-3, 'peak');
  close(learningRate(s, 600), 1e-3 * (0.1 + 0.9 * 0.5), 'half-way');
  close(learningRate(s, 1100), 1e-4, 'end');
  close(learningRate(s, 5000), 1e-4, 'beyond the budget stays at the floor');
  for (let k = 100; k < 1100; k++) assert.ok(learningRate(s, k + 1) <= learningRate(s, k), `monotone at ${k}`);
});

test('constant: linear warmup then flat', () => {
  const s: Schedule = { kind: 'constant', peakLr: 2e-4, warmupSteps: 4 };
  assert.deepEqual([0, 1, 2, 3, 4, 1000].map((k) => learningRate(s, k) / 2e-4), [0, 0.25, 0.5, 0.75, 1, 1]);
  assert.equal(learningRate({ ...s, warmupSteps: 0 }, 0), 2e-4);
});

test('open-ended WSD stays stable until startDecay, then decays to the floor over decaySteps', () => {
  let state = initialScheduleState({ kind: 'wsd', peakLr: 1e-3, warmupSteps: 2, stableSteps: null, decaySteps: 10, minLrRatio: 0, decayShape: 'linear' });
  for (let i = 0; i < 500; i++) state = advance(state);
  close(currentLr(state), 1e-3, 'stable after 500 steps');
  state = startDecay(state);
  assert.equal(state.decayStartStep, 500);
  assert.equal(startDecay(state), state, 'starting twice changes nothing');
  const seen: number[] = [];
  for (let i = 0; i <= 12; i++) {
    seen.push(currentLr(state));
    state = advance(state);
  }
  seen.slice(0, 10).forEach((lr, i) => close(lr, 1e-3 * (1 - i / 10), `decay step ${i}`));
  assert.deepEqual(seen.slice(10), [0, 0, 0]);
  assert.throws(() => startDecay(initialScheduleState({ kind: 'constant', peakLr: 1, warmupSteps: 0 })), ScheduleError);
});

test('schedule state survives JSON (a checkpoint manifest) and resumes the same rates', () => {
  let state = initialScheduleState({ kind: 'wsd', peakLr: 3e-4, warmupSteps: 5, stableSteps: null, decaySteps: 20, minLrRatio: 0.1, decayShape: '1-sqrt' });
  for (let i = 0; i < 30; i++) state = advance(state);
  state = startDecay(state);
  const restored = parseScheduleState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(restored, state);
  let a = state;
  let b = restored;
  for (let i = 0; i < 25; i++) {
    assert.equal(currentLr(a), currentLr(b));
    a = advance(a);
    b = advance(b);
  }
});

test('invalid schedules are refused with the field named', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ kind: 'cosine', peakLr: 1, warmupSteps: 10, totalSteps: 5, minLrRatio: 0 }, /totalSteps \(5\) is shorter than warmupSteps/],
    [{ kind: 'cosine', peakLr: -1, warmupSteps: 0, totalSteps: 5, minLrRatio: 0 }, /peakLr must be positive/],
    [{ kind: 'cosine', peakLr: 1, warmupSteps: 0, totalSteps: 5, minLrRatio: 2 }, /minLrRatio must be in \[0, 1\]/],
    [{ kind: 'constant', peakLr: 1, warmupSteps: 1.5 }, /warmupSteps must be a non-negative integer/],
    [{ kind: 'wsd', peakLr: 1, warmupSteps: 0, stableSteps: 1, decaySteps: 1, minLrRatio: 0, decayShape: 'exp' }, /decayShape/],
    [{ kind: 'step', peakLr: 1, warmupSteps: 0 }, /unknown schedule kind "step"/],
  ];
  for (const [input, message] of cases) assert.throws(() => validateSchedule(input), message);
  assert.throws(() => learningRate({ kind: 'constant', peakLr: 1, warmupSteps: 0 }, -1), /non-negative integer/);
  assert.throws(() => parseScheduleState({ schedule: { kind: 'constant', peakLr: 1, warmupSteps: 0 }, step: -3 }), /bad step/);
});
