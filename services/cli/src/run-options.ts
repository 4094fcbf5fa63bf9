// Option parsing shared by the CLI's commands.
import * as path from 'node:path';

import { CORPORA_DIR } from '@cptflow/data';

export const BUNDLED_CORPORA = CORPORA_DIR;
/** The base model `cptflow run` continues from unless told otherwise (data/models, beside the corpora). */
export const BUNDLED_BASE_MODEL = path.resolve(CORPORA_DIR, '../models/cptflow-tiny-base');

/** "400M", "1.5M", "250k", "1e6" or "123456" -> a token count. */
export function parseTokenCount(text: string): number {
  const match = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kKmMbB]?)\s*$/.exec(text);
  if (!match) throw new Error(`not a token count: "${text}" (try 400M, 250k or 1000000)`);
  const scale = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'b'];
  const value = Math.round(Number(match[1]) * scale);
  if (!(value > 0)) throw new Error(`token count must be positive: "${text}"`);
  return value;
}
