// Usage mistakes on every command: an unknown option, a missing value, a bad number or a path that is
// not there stops the CLI at once with exit 2 and one line naming the option, never a stack trace,
// exit 1, or minutes of work first. Each case runs the built CLI as a user does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist/services/cli/src/main.js');

function cptflow(args: string[], cwd = ROOT): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, output: r.stdout + r.stderr };
}

const cases: Array<[args: string[], names: RegExp]> = [
  [['run', '--bogus'], /unknown option '--bogus'/],
  [['run', '--tokens', '4XX'], /--tokens: not a token count: "4XX"/],
  [['run', '--replay', '1.5'], /--replay must be a fraction in \[0, 1\).*got "1\.5"/],
  [['run', '--lr', 'abc'], /--lr must be a positive number.*got "abc"/],
  [['run', '--task-limit', '2.5'], /--task-limit must be a positive count or a fraction < 1, got "2\.5"/],
  [['run', '--tasks', 'arc_easy'], /--tasks needs --tasks-dir/],
  [['run', '--domain', '/nonexistent/domain.jsonl'], /--domain: cannot read \/nonexistent\/domain\.jsonl: ENOENT/],
  [['run', '--domain-heldout', '/nonexistent/heldout.jsonl'], /--domain-heldout: no file at \/nonexistent\/heldout\.jsonl/],
  [['ingest', '--corpus', 'Replay', 'x.jsonl'], /argument 'Replay' is invalid\. Allowed choices are domain, replay/],
  [['pretrain', '--preset', 'huge'], /--preset: unknown preset huge; known: /],
  [['run', '--out', 'README.md'], /--out: README\.md exists and is not a folder/],
  [['--config', '/nonexistent/cptflow.json', 'run'], /cannot read config file \/nonexistent\/cptflow\.json/],
  [['eval', '--model', 'data/models/cptflow-tiny-base', '--tasks', 'arc_easy', '--tasks-dir', 'libs/evaluation/fixtures/eval/data', '--out', 'README.md/x'], /--out: cannot write to README\.md\/x: ENOTDIR/],
  [['results', '--db', 'README.md'], /README\.md is not a SQLite results database \(file is not a database\)/],
];

test('every usage mistake exits 2 with a line naming the option, and no stack trace; --help still exits 0', () => {
  for (const [args, names] of cases) {
    const r = cptflow(args);
    assert.equal(r.code, 2, `cptflow ${args.join(' ')} exited ${r.code}:\n${r.output}`);
    assert.match(r.output, names, `cptflow ${args.join(' ')}`);
    assert.doesNotMatch(r.output, /\n\s+at /, `cptflow ${args.join(' ')} printed a stack trace:\n${r.output}`);
    assert.doesNotMatch(r.output, /continued pre-training of|\| Tasks/, `cptflow ${args.join(' ')} started work before refusing`);
  }
  assert.equal(cptflow(['run', '--help']).code, 0);
});

test('pretrain refuses an --out folder that is not a model directory, which it would replace, and leaves it whole', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-pretrain-out-'));
  try {
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    const r = cptflow(['pretrain', '--out', '.'], dir);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /--out: \. is a folder that is not a model directory \(no config\.json\)/);
    assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'keep me');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
