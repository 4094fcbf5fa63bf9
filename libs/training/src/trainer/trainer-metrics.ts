// The trainer's OpenTelemetry instruments: gauges read from the live status at each collection
// (loss, learning rate, grad norm, tokens/s, buffered-record lag) and counters for tokens, steps,
// checkpoints and dead letters. Created after startTelemetry() so they bind to the real provider.
import { metrics } from '@opentelemetry/api';
import { countDeadLetters } from '@cptflow/platform';
import type { TrainerStatus } from './status';

export class TrainerMetrics {
  private readonly meter = metrics.getMeter('cptflow');
  private readonly tokens = this.meter.createCounter('cptflow_trainer_tokens', { description: 'tokens trained (domain and replay)' });
  private readonly steps = this.meter.createCounter('cptflow_trainer_steps', { description: 'optimizer steps' });
  private readonly checkpoints = this.meter.createCounter('cptflow_trainer_checkpoints', { description: 'checkpoints committed' });
  private readonly checkpointSeconds = this.meter.createHistogram('cptflow_trainer_checkpoint_seconds', { description: 'time to write a checkpoint and its HF export', unit: 's' });

  constructor(status: () => TrainerStatus, private readonly run: string) {
    const gauge = (name: string, description: string, read: (s: TrainerStatus) => number | null) => {
      this.meter.createObservableGauge(name, { description }).addCallback((result) => {
        const value = read(status());
        if (value !== null && Number.isFinite(value)) result.observe(value, { run });
      });
    };
    gauge('cptflow_trainer_loss', 'mean token cross-entropy of the last optimizer step', (s) => s.loss);
    gauge('cptflow_trainer_learning_rate', 'learning rate of the last optimizer step', (s) => s.lr);
    gauge('cptflow_trainer_grad_norm', 'global gradient norm of the last step, before clipping', (s) => s.gradNorm);
    gauge('cptflow_trainer_tokens_per_second', 'tokens/s of the last step (wall clock, data waits excluded)', (s) => s.tokensPerSecond);
    gauge('cptflow_trainer_lag_records', 'sequence records received but not yet trained', (s) => s.bufferedRecords);
  }

  stepDone(tokens: number): void {
    this.tokens.add(tokens, { run: this.run });
    this.steps.add(1, { run: this.run });
  }

  checkpointDone(seconds: number): void {
    this.checkpoints.add(1, { run: this.run });
    this.checkpointSeconds.record(seconds, { run: this.run });
  }

  deadLetter(): void {
    countDeadLetters('trainer');
  }
}
