export * from './table';
export * from './dashboard-data';
export * from './dashboard-page';
