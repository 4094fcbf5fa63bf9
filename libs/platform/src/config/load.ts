// Loads configuration from (lowest to highest precedence) defaults, a JSON file, environment variables
// and explicit overrides, then validates it once, failing with every bad setting named.
import * as fs from 'node:fs';
import { z } from 'zod';
import { cptflowConfigSchema, type CptflowConfig } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Environment variables that users already know from other tools map onto settings directly.
 * (OpenTelemetry's OTEL_* variables are read by the telemetry SDK itself: see libs/platform/src/telemetry.)
 */
const WELL_KNOWN_ENV: Record<string, (value: string) => unknown> = {
  KAFKA_BROKERS: (v) => ({ bus: { kind: 'kafka', brokers: v.split(',').map((b) => b.trim()).filter(Boolean) } }),
};

/**
 * `CPTFLOW__BUS__PARTITIONS=3` sets bus.partitions. Values are parsed as JSON when they parse
 * (numbers, booleans, arrays), else taken as strings.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const [name, parse] of Object.entries(WELL_KNOWN_ENV)) {
    const value = env[name];
    if (value) out = deepMerge(out, parse(value) as Record<string, unknown>);
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('CPTFLOW__') || raw === undefined) continue;
    const path = name.slice('CPTFLOW__'.length).split('__').map(camelCase);
    out = deepMerge(out, nest(path, parseEnvValue(raw)));
  }
  return out;
}

export interface LoadOptions {
  /** A JSON file; defaults to $CPTFLOW_CONFIG when set. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadOptions = {}): CptflowConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CPTFLOW_CONFIG;
  let merged: Record<string, unknown> = file ? readJsonFile(file) : {};
  merged = deepMerge(merged, configFromEnv(env));
  merged = deepMerge(merged, options.overrides ?? {});
  return parseOrExplain(cptflowConfigSchema, merged, file ? `config (${file} + environment)` : 'config');
}

/** Validates one section (a stage's settings) against its schema with the same error style. */
export function parseOrExplain<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string): z.infer<S> {
  // JSON has no Infinity, but JSON.parse reads an overflowing literal (1e999) as one, and a schema's
  // bounds would let it through where no maximum is set.
  const nonFinite = nonFiniteNumbers(value, []).map((at) => `  - ${at.path.join('.')}: ${at.value} is not a finite number (a literal too large for a double)`);
  const result = schema.safeParse(value);
  if (result.success && nonFinite.length === 0) return result.data;
  const problems = (result.success ? [] : result.error.issues).map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(root)';
    return `  - ${where}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${what}:\n${[...nonFinite, ...problems].join('\n')}`);
}

function nonFiniteNumbers(value: unknown, path: string[]): Array<{ path: string[]; value: number }> {
  if (typeof value === 'number') return Number.isFinite(value) || Number.isNaN(value) ? [] : [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => nonFiniteNumbers(item, [...path, String(i)]));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([key, item]) => nonFiniteNumbers(item, [...path, key]));
  return [];
}

function readJsonFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isPlainObject(parsed)) throw new Error('top level must be an object');
    return parsed;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function nest(path: string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const existing = out[key];
    out[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}
