export * from './results-api.module';
export * from './results-api.app';
export * from './openapi';
