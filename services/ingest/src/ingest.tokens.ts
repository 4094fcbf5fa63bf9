// Injection tokens the ingest module expects its host to provide (main.ts wires the real Bus and config).
// BUS is the token every cptflow service uses for its transport.
export { BUS } from '@cptflow/nest-host';
export const INGEST_CONFIG = Symbol('cptflow.ingest.config');
