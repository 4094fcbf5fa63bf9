export * from './accounting';
export * from './pipeline-run';
