// Injection tokens shared by every service. Services depend on the Bus interface, never on an implementation.
export const BUS = Symbol('cptflow.bus');
export const CONFIG = Symbol('cptflow.config');
export const STAGE = Symbol('cptflow.stage');
