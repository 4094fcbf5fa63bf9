// Option parsing shared by the CLI's commands. A bad value is a UsageError: main.ts prints its one
// line and exits 2, before any work starts.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CORPORA_DIR, IngestSourceError, resolveReaderOptions, resolveSourceFiles } from '@cptflow/data';

export const BUNDLED_CORPORA = CORPORA_DIR;
/** The base model `cptflow run` continues from unless told otherwise (data/models, beside the corpora). */
export const BUNDLED_BASE_MODEL = path.resolve(CORPORA_DIR, '../models/cptflow-tiny-base');

/** A problem with what the user typed: reported on stderr as one line, exit status 2, no stack trace. */
export class UsageError extends Error {}

/** "400M", "1.5M", "250k", "1e6" or "123456" -> a token count. */
export function parseTokenCount(text: string, flag = 'token count'): number {
  const match = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kKmMbB]?)\s*$/.exec(text);
  if (!match) throw new UsageError(`${flag}: not a token count: "${text}" (try 400M, 250k or 1000000)`);
  const scale = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'b'];
  const value = Math.round(Number(match[1]) * scale);
  if (!(value > 0 && Number.isSafeInteger(value))) throw new UsageError(`${flag}: token count must be a positive whole number: "${text}"`);
  return value;
}

export interface NumberRule {
  integer?: boolean;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive lower bound. */
  atLeast?: number;
  /** Exclusive upper bound. */
  below?: number;
}

/** A plain decimal number within `rule`; `expected` says what is wanted in the error ("a whole number >= 8"). */
export function parseNumber(flag: string, text: string, rule: NumberRule, expected: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const ok =
    Number.isFinite(value) &&
    (!rule.integer || Number.isSafeInteger(value)) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.atLeast === undefined || value >= rule.atLeast) &&
    (rule.below === undefined || value < rule.below);
  if (!ok) throw new UsageError(`${flag} must be ${expected}, got "${text}"`);
  return value;
}

/** The harness's --limit: a whole number of documents, or a fraction of each split below 1. */
export function parseDocumentLimit(flag: string, text: string): number {
  const value = parseNumber(flag, text, { above: 0 }, 'a positive count or a fraction < 1');
  if (value >= 1 && !Number.isInteger(value)) throw new UsageError(`${flag} must be a positive count or a fraction < 1, got "${text}"`);
  return value;
}

/** Each corpus path (file, folder or glob) names something readable, checked before any work starts. */
export async function checkCorpusPaths(flag: string, paths: readonly string[]): Promise<void> {
  const options = resolveReaderOptions();
  for (const p of paths) {
    try {
      await resolveSourceFiles(p, options);
    } catch (error) {
      if (error instanceof IngestSourceError) throw new UsageError(`${flag}: ${error.message}`);
      throw error;
    }
  }
}

/** The folder a command writes to, made before any work starts (not found unwritable after hours of it). */
export function makeOutFolder(flag: string, dir: string): string {
  const absolute = path.resolve(dir);
  if (fs.existsSync(absolute) && !fs.statSync(absolute).isDirectory()) throw new UsageError(`${flag}: ${dir} exists and is not a folder`);
  try {
    fs.mkdirSync(absolute, { recursive: true });
    fs.accessSync(absolute, fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(`${flag}: cannot write to ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return absolute;
}

/** A file the command reads, there before any work starts. */
export function checkFile(flag: string, file: string): void {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`${flag}: no file at ${file}`);
}
