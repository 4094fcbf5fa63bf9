// Small parsers for query strings and path parameters, used as Nest pipes. Each failure is a 400
// whose message names the parameter, where it came from and what was expected.
import { type ArgumentMetadata, BadRequestException, type PipeTransform } from '@nestjs/common';
import { MAX_NAME_LENGTH } from '@cptflow/results';

const HARNESS_NAME = /^[a-z0-9][a-z0-9_.\-]*$/;

function label(metadata: ArgumentMetadata): string {
  const where = metadata.type === 'param' ? 'path parameter' : metadata.type === 'query' ? 'query parameter' : metadata.type;
  return `${where} "${metadata.data ?? '?'}"`;
}

/** Express parses `?page=1&page=2` into an array; a parameter given twice is a client mistake. */
function single(raw: unknown, metadata: ArgumentMetadata): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new BadRequestException(`${label(metadata)} must be given once, as a plain value`);
  return raw;
}

export interface IntegerOptions {
  min: number;
  max?: number;
  /** Used when the parameter is absent; without it the parameter is required. */
  default?: number;
}

export class IntegerPipe implements PipeTransform<unknown, number> {
  constructor(private readonly options: IntegerOptions) {}

  transform(raw: unknown, metadata: ArgumentMetadata): number {
    const text = single(raw, metadata);
    if (text === undefined || text === '') {
      if (this.options.default !== undefined) return this.options.default;
      throw new BadRequestException(`${label(metadata)} is required`);
    }
    const { min, max } = this.options;
    const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
    const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
      throw new BadRequestException(`${label(metadata)} must be an integer ${range} (got ${JSON.stringify(text)})`);
    }
    return value;
  }
}

/** A harness task or metric name ("arc_easy", "acc_norm"). */
export class HarnessNamePipe implements PipeTransform<unknown, string> {
  constructor(private readonly defaultValue?: string) {}

  transform(raw: unknown, metadata: ArgumentMetadata): string {
    const text = single(raw, metadata);
    if (text === undefined || text === '') {
      if (this.defaultValue !== undefined) return this.defaultValue;
      throw new BadRequestException(`${label(metadata)} is required`);
    }
    if (text.length > MAX_NAME_LENGTH || !HARNESS_NAME.test(text)) {
      throw new BadRequestException(`${label(metadata)} must be a harness name like "arc_easy" or "acc_norm" (got ${JSON.stringify(text)})`);
    }
    return text;
  }
}

/** A checkpoint id, or the word "base" meaning the base checkpoint of the other side's run. */
export class CheckpointRefPipe implements PipeTransform<unknown, number | 'base'> {
  transform(raw: unknown, metadata: ArgumentMetadata): number | 'base' {
    const text = single(raw, metadata);
    if (text === 'base') return 'base';
    if (text === undefined || text === '') throw new BadRequestException(`${label(metadata)} is required: a checkpoint id or "base"`);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
      throw new BadRequestException(`${label(metadata)} must be a checkpoint id (an integer >= 1) or "base" (got ${JSON.stringify(text)})`);
    }
    return Number(text);
  }
}

/**
 * A run name in a path. Names are free text, but never control characters: PostgreSQL refuses a NUL
 * in a text value outright (a 500 before this pipe), and no run is ever named with one.
 */
export class RunNamePipe implements PipeTransform<unknown, string> {
  transform(raw: unknown, metadata: ArgumentMetadata): string {
    const text = single(raw, metadata);
    if (text === undefined || text === '') throw new BadRequestException(`${label(metadata)} is required`);
    if (text.length > MAX_NAME_LENGTH || hasControlCharacter(text)) {
      throw new BadRequestException(`${label(metadata)} must be a run name of at most ${MAX_NAME_LENGTH} characters without control characters`);
    }
    return text;
  }
}

export function hasControlCharacter(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}
