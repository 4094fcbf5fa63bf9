// The ingest service's settings (config section `stages.ingest`). Here rather than in services/ingest
// so that every service can check this section at start (libs/nest-host's stage section schemas).
import { z } from 'zod';

export const ingestSettingsSchema = z
  .object({
    /** Bearer token for the HTTP endpoints; also read from CPTFLOW_INGEST_TOKEN. At least 16 characters. */
    token: z
      .string({ required_error: 'required: set CPTFLOW_INGEST_TOKEN (at least 16 characters)' })
      .min(16, 'the ingest token (CPTFLOW_INGEST_TOKEN) must be at least 16 characters'),
    /** Server-side folders the path endpoint may read; nothing outside them is opened. */
    roots: z.array(z.string().min(1)).default([]),
    maxUploadBytes: z.number().int().min(1).default(256 * 1024 * 1024),
    /** Most bytes a compressed upload may decompress to; past it, or past maxExpansionRatio, 413. */
    maxUploadDecompressedBytes: z.number().int().min(1).default(1024 * 1024 * 1024),
    /** Most decompressed bytes per compressed byte for uploads and files (ordinary text: 3-10x). */
    maxExpansionRatio: z.number().min(1).default(32),
    /** Most bytes one compressed file read through the path endpoint may decompress to. */
    maxDecompressedBytes: z.number().int().min(1).default(16 * 1024 * 1024 * 1024),
    /** Deepest JSON nesting a record may have; deeper records are dead-lettered (`too_deep`). */
    maxNestingDepth: z.number().int().min(1).max(10_000).default(64),
    /**
     * Keep only rows with `int_score >= minIntScore` (FineWeb-Edu's educational score, as the dataset is
     * used); the others go to docs.rejected (filter "ingest", rule "int_score"), counted like any
     * rejection. Off when unset; an upload's `?minIntScore=` or a path request's `minIntScore` overrides it.
     */
    minIntScore: z.number().finite().optional(),
  })
  .strict();

export type IngestSettings = z.infer<typeof ingestSettingsSchema>;
