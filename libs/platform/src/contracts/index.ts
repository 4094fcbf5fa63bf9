export * from './messages';
export * from './codec';
export * from './topics';
