// Injection tokens the ingest module expects its host to provide (main.ts wires the real Bus and config).
// Plain strings, so a provider registered as 'BUS' elsewhere satisfies them without importing this file.
export const BUS = 'BUS';
export const INGEST_CONFIG = 'INGEST_CONFIG';
