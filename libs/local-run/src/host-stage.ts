// One stage on a bus, hosted as the stage services host theirs (libs/nest-host's StageRunner): its
// topics made, what it commits counted and published for the dashboard, its input consumed.
import type { CptflowConfig, Bus, Subscription } from '@cptflow/platform';
import { type Stage, StageAccounting, StageAccountingPublisher } from '@cptflow/data';

export class HostedStage {
  private constructor(
    readonly stage: Stage,
    /** What the stage committed, as the stage services count it (summary lines, warnings). */
    readonly accounting: StageAccounting,
    private readonly publisher: StageAccountingPublisher,
    private readonly subscription: Subscription,
  ) {}

  static async start(stage: Stage, bus: Bus, config: CptflowConfig): Promise<HostedStage> {
    await bus.ensureTopics([...stage.inputTopics, ...stage.outputTopics], config.bus.partitions);
    const accounting = new StageAccounting(stage.name, config.topics);
    const publisher = new StageAccountingPublisher(stage, accounting, { bus, topics: config.topics, intervalMs: 1000 });
    await publisher.start();
    const subscription = await bus.consume({
      groupId: stage.groupId,
      topics: stage.inputTopics,
      handler: stage.handle,
      maxBatchRecords: config.bus.maxBatchRecords,
      onCommitted: accounting.countCommitted,
      onAssigned: stage.partitionsAssigned,
    });
    return new HostedStage(stage, accounting, publisher, subscription);
  }

  /** Stops consuming (the batch in flight commits); the final accounting is published. */
  async stopConsuming(): Promise<void> {
    await this.subscription.stop();
    await this.publisher.stop();
  }
}
