// Per-step training metrics onto the bus for the dashboard: buffered and sent as one TrainingMetrics
// record per interval (or per `maxSteps` steps), never one record per step at high step rates.
import { codecFor, TrainingMetrics, type StepMetrics, type Bus } from '@cptflow/platform';

const metricsCodec = codecFor<TrainingMetrics>(TrainingMetrics);

/** Steps held while the bus refuses them; beyond it the oldest are dropped (and counted). */
const MAX_BUFFERED_STEPS = 10_000;

export interface StepMetricsPublisherOptions {
  bus: Bus;
  topic: string;
  run: string;
  /** Send at least this often while steps are waiting. */
  intervalMs?: number;
  /** Send as soon as this many steps are waiting. */
  maxSteps?: number;
  log?: (line: string) => void;
}

export class StepMetricsPublisher {
  private buffered: StepMetrics[] = [];
  private timer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(private readonly o: StepMetricsPublisherOptions) {}

  async start(): Promise<void> {
    await this.o.bus.ensureTopics([this.o.topic]);
    this.timer = setInterval(() => void this.flush(), this.o.intervalMs ?? 2000);
    this.timer.unref();
  }

  add(step: StepMetrics): void {
    this.buffered.push(step);
    if (this.buffered.length > MAX_BUFFERED_STEPS) this.dropped += this.buffered.splice(0, this.buffered.length - MAX_BUFFERED_STEPS).length;
    if (this.buffered.length >= (this.o.maxSteps ?? 256)) void this.flush();
  }

  /** Sends what is buffered; failures keep the steps for the next try and are logged, never thrown. */
  flush(): Promise<void> {
    // Taken now, so each record holds the steps buffered when it was asked for (at most maxSteps).
    const steps = this.buffered;
    this.buffered = [];
    this.sending = this.sending.then(async () => {
      if (steps.length === 0) return;
      try {
        await this.o.bus.publish([{ topic: this.o.topic, key: this.o.run, value: metricsCodec.encode({ run: this.o.run, steps }) }]);
      } catch (error) {
        // Stored by (run, step), so steps that go out later than newer ones still land in place.
        this.buffered = [...steps, ...this.buffered];
        this.o.log?.(`step metrics not published (${steps.length} steps kept for the next try): ${(error as Error).message}`);
      }
    });
    return this.sending;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
