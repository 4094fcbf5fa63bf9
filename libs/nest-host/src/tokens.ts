// Injection tokens shared by every service. Services depend on the Bus interface, never on an implementation.
export const BUS = Symbol('cptflow.bus');
export const CONFIG = Symbol('cptflow.config');
export const STAGE = Symbol('cptflow.stage');
/** Backends a stage uses besides the bus (e.g. "dedup store" -> "postgres"), logged at start. */
export const BACKENDS = Symbol('cptflow.backends');
