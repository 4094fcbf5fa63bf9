export * from './document-batch';
export * from './quality-stage';
export * from './dedup-stage';
export * from './packer-stage';
export * from './stage-settings';
export type { Stage } from './stage';
export * from './stage-accounting';
export * from './stage-accounting-publisher';
