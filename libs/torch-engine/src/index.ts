export * from './settings';
export * from './python-env';
export * from './torch-engine';
export * from './state-files';
