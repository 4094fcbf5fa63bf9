export * from './document-batch';
export * from './quality-stage';
export * from './dedup-stage';
export * from './packer-stage';
export * from './stage-settings';
export type { Stage } from './stage';
