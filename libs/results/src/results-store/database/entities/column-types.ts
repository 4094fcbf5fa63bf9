// Column types that mean the same on SQLite and PostgreSQL, so one set of entities and one set of
// migrations serve both databases.
import type { ValueTransformer } from 'typeorm';

/**
 * BIGINT comes back from node-postgres as a string (it may exceed 2^53); token counts and
 * millisecond timestamps stay far below 2^53, so they are read back as numbers.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** IEEE double on both databases (SQLite REAL, PostgreSQL float8). */
export const DOUBLE = 'double precision' as const;
