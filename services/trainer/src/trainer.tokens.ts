export const TRAINER = Symbol('cptflow.trainer');
/** () => Promise<void>, run once the trainer has stopped and checkpointed. */
export const AFTER_SHUTDOWN = Symbol('cptflow.trainer.after-shutdown');
