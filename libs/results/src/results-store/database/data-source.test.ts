// A results database that is not one: a careless --db, a file cut short by a crash or a full disk.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ResultsError } from '../domain/errors';
import { openResultsDatabase } from './data-source';

const dir = mkdtempSync(join(tmpdir(), 'cpt-results-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a SQLite path holding something else is refused with a ResultsError naming the file', async () => {
  const cases: Array<[string, Buffer | null]> = [
    ['random.sqlite', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))],
    ['truncated.sqlite', Buffer.from('SQLite format 3\0cut short')],
    ['a-directory', null],
  ];
  for (const [name, bytes] of cases) {
    const file = join(dir, name);
    if (bytes) writeFileSync(file, bytes);
    else mkdirSync(file);
    await assert.rejects(
      openResultsDatabase({ sqlitePath: file }),
      (e: unknown) => e instanceof ResultsError && e.kind === 'invalid' && e.message.includes(file) && /not a SQLite results database/.test(e.message),
      name,
    );
  }
});
