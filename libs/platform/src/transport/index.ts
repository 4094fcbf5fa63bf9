export * from './bus';
export * from './kafka-bus';
export * from './memory-bus';
export * from './dead-letter';
export * from './partitioner';
export * from './create-bus';
