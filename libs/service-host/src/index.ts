export * from './stage';
export * from './tokens';
export * from './readiness';
export * from './health.controller';
export * from './stage-runner';
export * from './stage-host.module';
export * from './bootstrap';
export * from './bearer-token.guard';
