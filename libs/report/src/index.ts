export * from './line-chart';
export * from './table';
export * from './html-report';
