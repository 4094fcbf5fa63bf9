export * from './accounting';
export * from './pipeline-run';
export * from './training-run';
export * from './host-stage';
