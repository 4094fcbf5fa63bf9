// Settings of the document stages (config section `stages.<name>`), validated at start.
import { z } from 'zod';
import { parseOrExplain } from '../../config/src/load';
import type { CptflowConfig } from '../../config/src/schema';
import { MemorySignatureStore, PostgresSignatureStore, RedisSignatureStore, SqliteSignatureStore, type SignatureStore } from '../../dedup/src';
import { DEFAULT_SEQ_LEN } from '../../packing/src';

export const qualitySettingsSchema = z
  .object({
    /**
     * Per-filter settings (`enabled`, thresholds) and an optional `order`; datatrove's FineWeb setup
     * when empty. Checked by QualityPipeline.fromConfig, which names any unknown filter or threshold.
     */
    filters: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const dedupStoreSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memory') }).strict(),
  z.object({ kind: z.literal('sqlite'), path: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('postgres'), url: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('redis'), url: z.string().min(1) }).strict(),
]);

export const dedupSettingsSchema = z
  .object({
    /** Shared by every dedup consumer; `memory` suits a single process only. */
    store: dedupStoreSchema.default({ kind: 'memory' }),
    /** Off: exact duplicates only. */
    nearDuplicates: z.boolean().default(true),
    /** Table or key prefix, so several pipelines can share one store. */
    namespace: z.string().regex(/^[a-z][a-z0-9_]*$/).default('dedup'),
  })
  .strict();

export const packerSettingsSchema = z
  .object({
    /** tokenizer.json of the model being trained; the LLaMA-2 tokenizer shipped in node_modules by default. */
    tokenizerPath: z.string().min(1).optional(),
    seqLen: z.number().int().min(8).default(DEFAULT_SEQ_LEN),
    strategy: z.enum(['concat', 'best-fit']).default('concat'),
  })
  .strict();

export type QualitySettings = z.infer<typeof qualitySettingsSchema>;
export type DedupSettings = z.infer<typeof dedupSettingsSchema>;
export type PackerSettings = z.infer<typeof packerSettingsSchema>;

export function qualitySettings(config: CptflowConfig): QualitySettings {
  return parseOrExplain(qualitySettingsSchema, config.stages.qualityFilter ?? {}, 'stages.qualityFilter');
}

export function dedupSettings(config: CptflowConfig): DedupSettings {
  return parseOrExplain(dedupSettingsSchema, config.stages.dedup ?? {}, 'stages.dedup');
}

export function packerSettings(config: CptflowConfig): PackerSettings {
  return parseOrExplain(packerSettingsSchema, config.stages.packer ?? {}, 'stages.packer');
}

export function openSignatureStore(settings: DedupSettings): SignatureStore {
  const { store, namespace } = settings;
  switch (store.kind) {
    case 'memory':
      return new MemorySignatureStore();
    case 'sqlite':
      return new SqliteSignatureStore(store.path, { namespace });
    case 'postgres':
      return new PostgresSignatureStore(store.url, { namespace });
    case 'redis':
      return new RedisSignatureStore(store.url, { namespace });
  }
}
