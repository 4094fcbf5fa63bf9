// W3C trace context across Kafka: producers write `traceparent`/`tracestate` into record headers, and
// each consumed batch becomes one span, parented to the first record's producer and linked to every
// other producer context in the batch, so a trace follows a batch of documents through the stages.
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
} from '@opentelemetry/api';

const TRACER_NAME = 'cptflow';
/** A batch of thousands of records from one producer span needs one link, not thousands. */
const MAX_LINKS = 32;

/** Writes the active (or given) context into `headers` (mutated and returned). */
export function injectTraceContext(headers: Record<string, string>, ctx: Context = context.active()): Record<string, string> {
  propagation.inject(ctx, headers);
  return headers;
}

/** The producer's context carried in a record's headers, or ROOT_CONTEXT when there is none. */
export function extractTraceContext(headers: Record<string, string> | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
}

/** Distinct valid span contexts carried by the given header sets, in first-seen order. */
export function producerSpanContexts(carriers: Iterable<Record<string, string> | undefined>): SpanContext[] {
  const seen = new Set<string>();
  const out: SpanContext[] = [];
  for (const headers of carriers) {
    const spanContext = trace.getSpanContext(extractTraceContext(headers));
    if (!spanContext || !trace.isSpanContextValid(spanContext)) continue;
    const id = `${spanContext.traceId}/${spanContext.spanId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(spanContext);
  }
  return out;
}

export interface BatchSpanOptions {
  attributes?: Attributes;
  /** Headers of the consumed records; their trace contexts become the span's parent and links. */
  carriers?: Iterable<Record<string, string> | undefined>;
}

/**
 * Runs `fn` inside an active span of `tracerName`: spans started inside it nest under it, and records
 * produced inside it carry its context. An error is recorded on the span and rethrown; the span
 * always ends. `parent` defaults to the active context.
 */
export async function inSpan<T>(
  tracerName: string,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return trace.getTracer(tracerName).startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` inside a consumer span for one batch. The span is active while `fn` runs, so records
 * produced from it carry this span's context onwards. Errors are recorded and rethrown.
 */
export async function withBatchSpan<T>(name: string, options: BatchSpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const producers = producerSpanContexts(options.carriers ?? []);
  const parent = producers.length ? trace.setSpanContext(ROOT_CONTEXT, producers[0]) : ROOT_CONTEXT;
  const links: Link[] = producers.slice(0, MAX_LINKS).map((spanContext) => ({ context: spanContext }));
  return inSpan(TRACER_NAME, name, { kind: SpanKind.CONSUMER, links, attributes: options.attributes }, fn, parent);
}
