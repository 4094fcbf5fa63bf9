export * from './http-error';
export * from './body-limit';
export * from './ingest-roots';
export * from './ingest-http-handler';
