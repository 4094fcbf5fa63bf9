// Learning-rate schedules as pure functions of the optimizer step. `step` counts the updates already
// applied, so learningRate(s, 0) is the rate of the first update; this is the convention of
// transformers' LambdaLR-based schedulers, and the formulas below are theirs (transformers
// optimization.py: get_cosine_with_min_lr_schedule_with_warmup, get_constant_schedule_with_warmup,
// get_wsd_schedule), checked value by value in the tests. One deliberate difference: past
// totalSteps the cosine schedule stays at its floor instead of climbing back up the cosine, because
// a streaming trainer may run beyond its planned budget.

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

/** Linear warmup from 0, then half a cosine down to peakLr * minLrRatio at totalSteps. */
export interface CosineSchedule {
  readonly kind: 'cosine';
  readonly peakLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minLrRatio: number;
}

/** Linear warmup from 0, then peakLr for ever: continuous training with no planned end. */
export interface ConstantSchedule {
  readonly kind: 'constant';
  readonly peakLr: number;
  readonly warmupSteps: number;
}

export type DecayShape = 'linear' | 'cosine' | '1-sqrt';

/**
 * Warmup-stable-decay: linear warmup from peakLr * minLrRatio, a long stable phase at peakLr, then a
 * decay over decaySteps to the floor. `stableSteps: null` keeps the stable phase open until the
 * trainer calls startDecay() (e.g. before a release), which a stream of unknown length needs.
 */
export interface WsdSchedule {
  readonly kind: 'wsd';
  readonly peakLr: number;
  readonly warmupSteps: number;
  readonly stableSteps: number | null;
  readonly decaySteps: number;
  readonly minLrRatio: number;
  readonly decayShape: DecayShape;
}

export type Schedule = CosineSchedule | ConstantSchedule | WsdSchedule;

/**
 * What a checkpoint stores: the schedule, the number of updates applied, and for an open-ended WSD
 * schedule the step at which decay was started (null while it has not been).
 */
export interface ScheduleState {
  readonly schedule: Schedule;
  readonly step: number;
  readonly decayStartStep: number | null;
}

/** The multiplier of peakLr at `step` (0-based count of updates already applied). */
export function lrFactor(schedule: Schedule, step: number, decayStartStep: number | null = null): number {
  if (!Number.isInteger(step) || step < 0) throw new ScheduleError(`step must be a non-negative integer, got ${step}`);
  switch (schedule.kind) {
    case 'constant':
      return step < schedule.warmupSteps ? step / Math.max(1, schedule.warmupSteps) : 1;
    case 'cosine': {
      const { warmupSteps, totalSteps, minLrRatio } = schedule;
      if (step < warmupSteps) return step / Math.max(1, warmupSteps);
      const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
      const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
      return Math.max(0, cosine * (1 - minLrRatio) + minLrRatio);
    }
    case 'wsd': {
      const { warmupSteps, decaySteps, minLrRatio } = schedule;
      if (step < warmupSteps) return (step / Math.max(1, warmupSteps)) * (1 - minLrRatio) + minLrRatio;
      const decayStart = schedule.stableSteps !== null ? warmupSteps + schedule.stableSteps : decayStartStep;
      if (decayStart === null || step < decayStart) return 1;
      if (step >= decayStart + decaySteps) return minLrRatio;
      const progress = (step - decayStart) / Math.max(1, decaySteps);
      return Math.max(0, decayCurve(schedule.decayShape, progress) * (1 - minLrRatio) + minLrRatio);
    }
  }
}

function decayCurve(shape: DecayShape, progress: number): number {
  switch (shape) {
    case 'linear':
      return 1 - progress;
    case 'cosine':
      return 0.5 * (1 + Math.cos(Math.PI * progress));
    case '1-sqrt':
      return 1 - Math.sqrt(progress);
  }
}

export function learningRate(schedule: Schedule, step: number, decayStartStep: number | null = null): number {
  return schedule.peakLr * lrFactor(schedule, step, decayStartStep);
}

export function initialScheduleState(schedule: Schedule): ScheduleState {
  return { schedule: validateSchedule(schedule), step: 0, decayStartStep: null };
}

/** The rate of the next update. */
export function currentLr(state: ScheduleState): number {
  return learningRate(state.schedule, state.step, state.decayStartStep);
}

/** The state after one more update. */
export function advance(state: ScheduleState): ScheduleState {
  return { ...state, step: state.step + 1 };
}

/**
 * Begin the decay of an open-ended WSD schedule at the current step (no-op if already started).
 * Other schedules have a fixed shape and refuse.
 */
export function startDecay(state: ScheduleState): ScheduleState {
  const { schedule } = state;
  if (schedule.kind !== 'wsd' || schedule.stableSteps !== null) {
    throw new ScheduleError(`startDecay needs a wsd schedule with stableSteps: null, not ${schedule.kind}`);
  }
  if (state.decayStartStep !== null) return state;
  return { ...state, decayStartStep: Math.max(state.step, schedule.warmupSteps) };
}

export function validateSchedule(input: unknown): Schedule {
  if (input === null || typeof input !== 'object') throw new ScheduleError('schedule must be an object');
  const s = input as Record<string, unknown>;
  const where = `schedule (${JSON.stringify(s.kind)})`;
  const num = (field: string, check: (v: number) => boolean, why: string): number => {
    const v = s[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
      throw new ScheduleError(`${where}: ${field} ${why}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const steps = (field: string) => num(field, (v) => Number.isInteger(v) && v >= 0, 'must be a non-negative integer');
  const ratio = () => num('minLrRatio', (v) => v >= 0 && v <= 1, 'must be in [0, 1]');
  const peakLr = num('peakLr', (v) => v > 0, 'must be positive');
  const warmupSteps = steps('warmupSteps');
  switch (s.kind) {
    case 'constant':
      return { kind: 'constant', peakLr, warmupSteps };
    case 'cosine': {
      const totalSteps = steps('totalSteps');
      if (totalSteps < warmupSteps) throw new ScheduleError(`${where}: totalSteps (${totalSteps}) is shorter than warmupSteps (${warmupSteps})`);
      return { kind: 'cosine', peakLr, warmupSteps, totalSteps, minLrRatio: ratio() };
    }
    case 'wsd': {
      const stableSteps = s.stableSteps === null ? null : steps('stableSteps');
      const shape = s.decayShape ?? 'cosine';
      if (shape !== 'linear' && shape !== 'cosine' && shape !== '1-sqrt') {
        throw new ScheduleError(`${where}: decayShape must be linear, cosine or 1-sqrt, got ${JSON.stringify(shape)}`);
      }
      return { kind: 'wsd', peakLr, warmupSteps, stableSteps, decaySteps: steps('decaySteps'), minLrRatio: ratio(), decayShape: shape };
    }
    default:
      throw new ScheduleError(`unknown schedule kind ${JSON.stringify(s.kind)} (expected cosine, constant or wsd)`);
  }
}

/** Restore a state read back from a checkpoint manifest, validating it. */
export function parseScheduleState(input: unknown): ScheduleState {
  const s = input as Partial<ScheduleState> | null;
  if (!s || typeof s !== 'object') throw new ScheduleError('schedule state must be an object');
  const schedule = validateSchedule(s.schedule);
  if (!Number.isInteger(s.step) || (s.step as number) < 0) throw new ScheduleError(`schedule state: bad step ${JSON.stringify(s.step)}`);
  const decayStartStep = s.decayStartStep ?? null;
  if (decayStartStep !== null && (!Number.isInteger(decayStartStep) || decayStartStep < 0)) {
    throw new ScheduleError(`schedule state: bad decayStartStep ${JSON.stringify(decayStartStep)}`);
  }
  return { schedule, step: s.step as number, decayStartStep };
}
