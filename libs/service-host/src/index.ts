export * from './log-colors';
// The Stage interface is libs/pipeline-stages'; re-exported for the services that host one.
export type { Stage } from '../../pipeline-stages/src';
export * from './tokens';
export * from './readiness';
export * from './health.controller';
export * from './stage-runner';
export * from './stage-host.module';
export * from './stage-section-schemas';
export * from './bootstrap';
export * from './stage-accounting';
export * from './stage-accounting-publisher';
export * from './accounting-reporter';
export * from './stage-summaries';
export * from './bearer-token.guard';
