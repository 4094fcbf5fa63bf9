// The body of POST /evaluations, checked by hand: which checkpoint (by id, or by run and step) and
// optionally which tasks, limit and few-shot count. Every problem is reported at once.
import { MAX_NAME_LENGTH } from '@cptflow/results';
import { hasControlCharacter } from './params';

export interface EvaluationBody {
  checkpoint: { id: number } | { run: string; step: number };
  tasks: string[] | null;
  limit: number | null;
  numFewshot: number | null;
}

const FIELDS = ['checkpointId', 'run', 'step', 'tasks', 'limit', 'numFewshot'];
const TASK_NAME = /^[a-z0-9][a-z0-9_.\-]*$/;
export const MAX_TASKS_PER_REQUEST = 100;

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export class EvaluationBodyError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid evaluation request: ${problems.join('; ')}`);
  }
}

export function parseEvaluationBody(body: unknown): EvaluationBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new EvaluationBodyError(['the body must be a JSON object (Content-Type: application/json)']);
  }
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(b).filter((k) => !FIELDS.includes(k));
  if (unknown.length) problems.push(`unknown field(s) ${unknown.join(', ')}; allowed: ${FIELDS.join(', ')}`);

  let checkpoint: EvaluationBody['checkpoint'] | null = null;
  const byId = b.checkpointId !== undefined;
  const byStep = b.run !== undefined || b.step !== undefined;
  if (byId && byStep) problems.push('give either checkpointId or run and step, not both');
  else if (byId) {
    if (isNonNegativeInteger(b.checkpointId) && b.checkpointId >= 1) checkpoint = { id: b.checkpointId };
    else problems.push(`checkpointId must be an integer >= 1 (got ${JSON.stringify(b.checkpointId)})`);
  } else if (byStep) {
    const runOk = typeof b.run === 'string' && b.run.length > 0 && b.run.length <= MAX_NAME_LENGTH && !hasControlCharacter(b.run);
    if (!runOk) problems.push(`run must be a non-empty string of at most ${MAX_NAME_LENGTH} characters without control characters`);
    if (!isNonNegativeInteger(b.step)) problems.push(`step must be a non-negative integer (got ${JSON.stringify(b.step)})`);
    if (runOk && isNonNegativeInteger(b.step)) checkpoint = { run: b.run as string, step: b.step };
  } else {
    problems.push('name the checkpoint: checkpointId, or run and step');
  }

  let tasks: string[] | null = null;
  if (b.tasks !== undefined) {
    if (!Array.isArray(b.tasks) || b.tasks.length === 0 || b.tasks.length > MAX_TASKS_PER_REQUEST) {
      problems.push(`tasks must be a non-empty array of at most ${MAX_TASKS_PER_REQUEST} task names`);
    } else {
      const bad = b.tasks.filter((t) => typeof t !== 'string' || t.length > MAX_NAME_LENGTH || !TASK_NAME.test(t));
      if (bad.length) problems.push(`tasks must be harness task names like "arc_easy" (bad: ${bad.map((t) => JSON.stringify(t)).join(', ')})`);
      else tasks = [...new Set(b.tasks as string[])];
    }
  }

  let limit: number | null = null;
  if (b.limit !== undefined && b.limit !== null) {
    // The harness's --limit: a document count, or a fraction of the split when below 1.
    const ok = typeof b.limit === 'number' && Number.isFinite(b.limit) && b.limit > 0 && (b.limit < 1 || Number.isInteger(b.limit));
    if (ok) limit = b.limit as number;
    else problems.push(`limit must be a whole number of documents >= 1 or a fraction between 0 and 1 (got ${JSON.stringify(b.limit)})`);
  }

  let numFewshot: number | null = null;
  if (b.numFewshot !== undefined && b.numFewshot !== null) {
    if (isNonNegativeInteger(b.numFewshot)) numFewshot = b.numFewshot;
    else problems.push(`numFewshot must be a non-negative integer (got ${JSON.stringify(b.numFewshot)})`);
  }

  if (problems.length || !checkpoint) throw new EvaluationBodyError(problems);
  return { checkpoint, tasks, limit, numFewshot };
}
