// Runs a configured list of quality filters over a document: the first rejection wins, a
// rewriting filter (C4) hands its rewritten text to the filters after it, and every outcome is
// counted per filter and rule so that kept + rejected always equals documents seen.

import { C4QualityFilter, C4QualityOptions, FINEWEB_C4_OPTIONS } from './filters/c4-quality';
import { FineWebQualityFilter, FineWebQualityOptions } from './filters/fineweb-quality';
import { GopherQualityFilter, GopherQualityOptions } from './filters/gopher-quality';
import { GopherRepetitionFilter, GopherRepetitionOptions } from './filters/gopher-repetition';
import { QualityFilter, RejectionReason, TextView } from './verdict';

export type QualityFilterName = 'gopher_repetition' | 'gopher_quality' | 'c4_quality' | 'fineweb_quality';

/** A filter's entry in the config: on/off plus any thresholds to override (the rest keep defaults). */
export type FilterSettings<O> = { enabled?: boolean } & Partial<O>;

/**
 * Plain, JSON-friendly pipeline configuration. Unknown keys are errors (a typo must not silently
 * fall back to a default threshold).
 */
export interface QualityPipelineConfig {
  /** Order the filters run in. Default: FineWeb's order (examples/fineweb.py in datatrove). */
  order?: QualityFilterName[];
  gopher_repetition?: FilterSettings<GopherRepetitionOptions>;
  gopher_quality?: FilterSettings<GopherQualityOptions>;
  c4_quality?: FilterSettings<C4QualityOptions>;
  fineweb_quality?: FilterSettings<FineWebQualityOptions>;
}

export const FINEWEB_FILTER_ORDER: readonly QualityFilterName[] = ['gopher_repetition', 'gopher_quality', 'c4_quality', 'fineweb_quality'];

/**
 * The configuration FineWeb was filtered with: datatrove defaults everywhere except
 * C4QualityFilter(filter_no_terminal_punct=False). This is what an empty config means.
 */
export const FINEWEB_PIPELINE_CONFIG: QualityPipelineConfig = {
  order: [...FINEWEB_FILTER_ORDER],
  c4_quality: { ...FINEWEB_C4_OPTIONS },
};

export class QualityConfigError extends Error {
  override name = 'QualityConfigError';
}

export type PipelineVerdict = { keep: true; text: string; rewritten: boolean } | { keep: false; rejection: RejectionReason };

export interface QualityCounts {
  documents: number;
  kept: number;
  /** Kept documents whose text a filter changed (C4 dropping lines). */
  rewritten: number;
  rejected: number;
  /** Rejections per "filter/rule", e.g. "gopher_quality/gopher_short_doc". */
  byRule: Record<string, number>;
}

const FACTORIES: Record<QualityFilterName, { defaults: object; make: (o: never) => QualityFilter }> = {
  gopher_repetition: { defaults: new GopherRepetitionFilter().options, make: (o) => new GopherRepetitionFilter(o) },
  gopher_quality: { defaults: new GopherQualityFilter().options, make: (o) => new GopherQualityFilter(o) },
  c4_quality: { defaults: new C4QualityFilter().options, make: (o) => new C4QualityFilter(o) },
  fineweb_quality: { defaults: new FineWebQualityFilter().options, make: (o) => new FineWebQualityFilter(o) },
};

/** Items shaped like the default's: strings (stop words/chars) or [n, fraction] pairs (n-gram rules). */
function validArrayItems(expected: unknown[], value: unknown[]): boolean {
  if (typeof expected[0] === 'string') return value.every((v) => typeof v === 'string' && v.length > 0);
  return value.every(
    (v) => Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && v[0] >= 1 && typeof v[1] === 'number' && Number.isFinite(v[1]),
  );
}

function validateSettings(name: QualityFilterName, settings: Record<string, unknown>): Record<string, unknown> {
  const defaults = FACTORIES[name].defaults as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'enabled') {
      if (typeof value !== 'boolean') throw new QualityConfigError(`${name}.enabled must be true or false`);
      continue;
    }
    if (!(key in defaults)) {
      throw new QualityConfigError(`${name}.${key} is not an option; known: enabled, ${Object.keys(defaults).join(', ')}`);
    }
    const expected = defaults[key];
    const ok =
      typeof expected === 'number'
        ? value === null || (typeof value === 'number' && Number.isFinite(value))
        : typeof expected === 'boolean'
          ? typeof value === 'boolean'
          : Array.isArray(value);
    if (!ok) throw new QualityConfigError(`${name}.${key} must be ${Array.isArray(expected) ? 'an array' : `a ${typeof expected}`}, got ${JSON.stringify(value)}`);
    if (Array.isArray(expected) && !validArrayItems(expected, value as unknown[])) {
      const shape = typeof expected[0] === 'string' ? 'strings' : '[n, fraction] pairs with a whole n >= 1';
      throw new QualityConfigError(`${name}.${key} must be an array of ${shape}, got ${JSON.stringify(value)}`);
    }
    options[key] = value;
  }
  return options;
}

export class QualityPipeline {
  private readonly counts: QualityCounts = { documents: 0, kept: 0, rewritten: 0, rejected: 0, byRule: {} };

  constructor(readonly filters: readonly QualityFilter[]) {}

  /**
   * Builds the pipeline from a plain config. Without one (or for filters it does not mention)
   * FineWeb's setup applies; a filter's settings override that filter's defaults.
   */
  static fromConfig(config: QualityPipelineConfig = {}): QualityPipeline {
    const known = new Set(['order', ...FINEWEB_FILTER_ORDER]);
    for (const key of Object.keys(config)) {
      if (!known.has(key)) throw new QualityConfigError(`unknown quality config key "${key}"; known: ${[...known].join(', ')}`);
    }
    const order = config.order ?? FINEWEB_FILTER_ORDER;
    const filters: QualityFilter[] = [];
    const seen = new Set<string>();
    for (const name of order) {
      if (!(name in FACTORIES)) throw new QualityConfigError(`unknown filter "${name}" in order; known: ${FINEWEB_FILTER_ORDER.join(', ')}`);
      if (seen.has(name)) throw new QualityConfigError(`filter "${name}" listed twice in order`);
      seen.add(name);
      const base = (FINEWEB_PIPELINE_CONFIG[name] ?? {}) as Record<string, unknown>;
      const settings = { ...base, ...((config[name] ?? {}) as Record<string, unknown>) };
      const options = validateSettings(name, settings);
      if (settings.enabled === false) continue;
      filters.push(FACTORIES[name].make(options as never));
    }
    return new QualityPipeline(filters);
  }

  /** Runs the filters in order on one document's text. */
  run(text: string): PipelineVerdict {
    this.counts.documents++;
    let view = new TextView(text);
    for (const filter of this.filters) {
      const verdict = filter.apply(view);
      if (!verdict.keep) {
        this.counts.rejected++;
        const key = `${verdict.rejection.filter}/${verdict.rejection.rule}`;
        this.counts.byRule[key] = (this.counts.byRule[key] ?? 0) + 1;
        return verdict;
      }
      if (verdict.text !== view.text) view = new TextView(verdict.text);
    }
    this.counts.kept++;
    const rewritten = view.text !== text;
    if (rewritten) this.counts.rewritten++;
    return { keep: true, text: view.text, rewritten };
  }

  /** A snapshot of the counts so far. */
  stats(): QualityCounts {
    return { ...this.counts, byRule: { ...this.counts.byRule } };
  }

  resetStats(): void {
    Object.assign(this.counts, { documents: 0, kept: 0, rewritten: 0, rejected: 0, byRule: {} });
  }
}
