// Importing this module registers every op's gradient rule.
export * from './operand';
export * from './elementwise';
export * from './unary';
export * from './matmul';
export * from './reduce';
export * from './shape-ops';
export * from './gather';
export * from './softmax';
export * from './where';
export * from './creation';
