// @cptflow/training: the public entry of libs/training (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './schedules';
export * from './checkpoint';
export * from './trainer';
