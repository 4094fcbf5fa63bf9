// The Bus as a NestJS microservice transport. A stage service declares its handler the Nest way,
//
//   @EventPattern(QUALITY_STAGE) filter(@Payload() batch: ConsumedBatch): Promise<OutgoingRecord[]>
//
// and this server subscribes the stage's consumer group to its input topics once the app starts.
// Nest's events are one message each; the Bus hands out batches (the records of one topic-partition),
// and the records a batch handler returns are committed with the batch's offsets in one transaction.
// So the pattern names the stage, not a topic, and one event is one batch: the payload is the whole
// ConsumedBatch and the handler's return value is what the transport commits. A handler that throws
// (or whose stream errors) fails the batch: nothing is committed and the bus delivers it again, as for
// any batch handler; bad input is answered with dead-letter records in the return value instead.
import { Logger } from '@nestjs/common';
import { Server, BaseRpcContext, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { AssignmentListener, Bus, CommittedListener, ConsumedBatch, OutgoingRecord, Subscription } from '@cptflow/platform';

/** The consumer a stage runs as; `name` is also the `@EventPattern` its handler is declared with. */
export interface BusSubscription {
  name: string;
  groupId: string;
  inputTopics: string[];
  /** Created with the input topics at start, so consumers downstream can subscribe. */
  outputTopics: string[];
  /** Told the input partitions this replica holds after each rebalance. */
  partitionsAssigned?: AssignmentListener;
}

export interface BusTransportOptions {
  bus: Bus;
  stage: BusSubscription;
  /** Partition count for topics created at start. */
  partitions?: number;
  maxBatchRecords?: number;
  /** Told about each batch once its outputs and offsets are committed (a retried batch is told once). */
  onCommitted?: CommittedListener;
}

/** The payload of every pattern on this transport, for Nest's typed `@EventPattern<BatchEvents>(stage)`. */
export type BatchEvents = Record<string, ConsumedBatch>;

/** `@Ctx()` of a batch handler: the batch and the consumer group it was delivered to. */
export class BusContext extends BaseRpcContext<[ConsumedBatch, string]> {
  getBatch(): ConsumedBatch {
    return this.args[0];
  }

  getGroupId(): string {
    return this.args[1];
  }
}

type BusTransportStatus = 'connected' | 'disconnected';

export class BusTransport extends Server<Record<string, Function>, BusTransportStatus> implements CustomTransportStrategy {
  /** A failed handler fails its batch: the bus logs it and delivers the batch again. */
  override readonly propagatesEventHandlerErrors = true;
  private readonly log = new Logger(BusTransport.name);
  private subscription?: Subscription;
  private closing?: Promise<void>;

  constructor(private readonly options: BusTransportOptions) {
    super();
  }

  /** True from the subscription until close: what the stage's readiness check reports. */
  get subscribed(): boolean {
    return this.subscription !== undefined;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.subscribe();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async subscribe(): Promise<void> {
    const { bus, stage } = this.options;
    const handler = this.getHandlerByPattern(stage.name);
    if (!handler?.isEventHandler) {
      throw new Error(`stage ${stage.name}: no @EventPattern('${stage.name}') handler in the service's controllers`);
    }
    const others = [...this.getHandlers().keys()].filter((pattern) => pattern !== stage.name);
    if (others.length) throw new Error(`stage ${stage.name}: the bus delivers no patterns but '${stage.name}'; remove ${others.join(', ')}`);
    await bus.ensureTopics([...stage.inputTopics, ...stage.outputTopics], this.options.partitions);
    this.subscription = await bus.consume({
      groupId: stage.groupId,
      topics: stage.inputTopics,
      handler: (batch) => this.handleBatch(batch),
      maxBatchRecords: this.options.maxBatchRecords,
      onCommitted: this.options.onCommitted,
      onAssigned: stage.partitionsAssigned,
    });
    this._status$.next('connected');
    this.log.log(`${stage.name}: consuming ${stage.inputTopics.join(', ')} as group ${stage.groupId}`);
  }

  /** One event per batch: the handler's records (value, promise or stream) are what the bus commits. */
  private async handleBatch(batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    const { stage } = this.options;
    const handler = this.getHandlerByPattern(stage.name)!;
    try {
      const result: unknown = await handler(batch, new BusContext([batch, stage.groupId]));
      const outputs = isObservable(result) ? await lastValueFrom(result, { defaultValue: [] }) : result;
      return (outputs ?? []) as OutgoingRecord[];
    } catch (error) {
      // Nest's exception filters turn an unknown error into { status, message } after logging it.
      throw error instanceof Error ? error : new Error(`@EventPattern('${stage.name}') handler failed: ${describe(error)}`);
    }
  }

  /** Stops fetching, lets the in-flight batch commit, then leaves the group. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.subscription?.stop();
      this.subscription = undefined;
      this._status$.next('disconnected');
    })();
    return this.closing;
  }

  on(): never {
    throw new Error('BusTransport has no events to listen to; read its status instead');
  }

  unwrap<T>(): T {
    return this.options.bus as T;
  }
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}
