import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { context, trace, type SpanContext } from '@opentelemetry/api';
import { MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { countConsumed, countDeadLetters, countOutcome, setConsumerLag } from './metrics';
import { startTelemetry } from './setup';
import { extractTraceContext, inSpan, injectTraceContext, producerSpanContexts, withBatchSpan } from './trace-context';

/** Collects on demand, so a test reads exactly what the instruments hold. */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const spans = new InMemorySpanExporter();
const reader = new OnDemandReader();
const telemetry = startTelemetry({ serviceName: 'telemetry-test', spanProcessors: [new SimpleSpanProcessor(spans)], metricReaders: [reader] });
const tracer = trace.getTracer('telemetry-test');

function points(collected: ResourceMetrics, name: string) {
  const metric = collected.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as Array<{ attributes: Record<string, unknown>; value: unknown }>;
}

describe('trace context in record headers', () => {
  it('injects a W3C traceparent that extracts back to the same span context', () => {
    const span = tracer.startSpan('producer');
    const headers = injectTraceContext({ other: 'kept' }, trace.setSpan(context.active(), span));
    span.end();
    const { traceId, spanId } = span.spanContext();
    assert.equal(headers.traceparent, `00-${traceId}-${spanId}-01`);
    assert.equal(headers.other, 'kept');
    const extracted = trace.getSpanContext(extractTraceContext(headers)) as SpanContext;
    assert.equal(extracted.traceId, traceId);
    assert.equal(extracted.spanId, spanId);
    assert.equal(extracted.isRemote, true);
  });

  it('ignores records without (or with malformed) trace headers and de-duplicates producers', () => {
    const span = tracer.startSpan('producer');
    const good = injectTraceContext({}, trace.setSpan(context.active(), span));
    span.end();
    const found = producerSpanContexts([good, undefined, {}, { traceparent: 'garbage' }, { ...good }]);
    assert.equal(found.length, 1);
    assert.equal(found[0].spanId, span.spanContext().spanId);
  });

  it('makes a batch span whose parent is the first producer and whose links are all producers', async () => {
    const producers = ['a', 'b'].map((name) => tracer.startSpan(`producer ${name}`));
    producers.forEach((s) => s.end());
    const carriers = producers.map((s) => injectTraceContext({}, trace.setSpan(context.active(), s)));
    let outputHeaders: Record<string, string> = {};
    const result = await withBatchSpan('process topic-x', { carriers, attributes: { 'messaging.batch.message_count': 2 } }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1)); // the span stays active across awaits
      outputHeaders = injectTraceContext({});
      return 42;
    });
    assert.equal(result, 42);
    const batchSpan = spans.getFinishedSpans().find((s) => s.name === 'process topic-x')!;
    assert.equal(batchSpan.spanContext().traceId, producers[0].spanContext().traceId);
    assert.equal(batchSpan.parentSpanContext?.spanId, producers[0].spanContext().spanId);
    assert.deepEqual(
      batchSpan.links.map((l) => l.context.spanId),
      producers.map((p) => p.spanContext().spanId),
    );
    assert.equal(outputHeaders.traceparent.split('-')[2], batchSpan.spanContext().spanId, 'outputs continue from the batch span');
  });

  it('records a failing batch as an error span and rethrows', async () => {
    await assert.rejects(
      withBatchSpan('process failing', {}, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    const failed = spans.getFinishedSpans().find((s) => s.name === 'process failing')!;
    assert.equal(failed.status.code, 2 /* SpanStatusCode.ERROR */);
    assert.equal(failed.events[0]?.name, 'exception');
  });
});

describe('inSpan', () => {
  it('nests under the active span, ends on success, and records and rethrows a failure', async () => {
    const outer = await inSpan('telemetry-test', 'outer', { attributes: { k: 'v' } }, () =>
      inSpan('telemetry-test', 'inner', {}, async (span) => span.spanContext().spanId),
    );
    const finished = spans.getFinishedSpans();
    const inner = finished.find((s) => s.name === 'inner')!;
    const parent = finished.find((s) => s.name === 'outer')!;
    assert.equal(inner.spanContext().spanId, outer);
    assert.equal(inner.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(parent.attributes.k, 'v');
    await assert.rejects(inSpan('telemetry-test', 'inSpan failing', {}, async () => Promise.reject(new Error('bad'))), /bad/);
    const failed = spans.getFinishedSpans().find((s) => s.name === 'inSpan failing')!;
    assert.equal(failed.status.code, 2 /* SpanStatusCode.ERROR */);
    assert.equal(failed.status.message, 'bad');
  });
});

describe('stage metrics', () => {
  it('counts records, dead letters and outcomes, and reports lag per partition', async () => {
    countConsumed('dedup', 'cpt.docs.filtered', 10);
    countConsumed('dedup', 'cpt.docs.filtered', 5);
    countDeadLetters('dedup', 2);
    countOutcome('quality-filter', 'rejected', 'gopher_repetition');
    setConsumerLag('dedup', 'cpt.docs.filtered', 0, 7);
    setConsumerLag('dedup', 'cpt.docs.filtered', 0, 3);
    setConsumerLag('dedup', 'cpt.docs.filtered', 1, -4);
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    const consumed = points(resourceMetrics, 'cptflow.records.consumed');
    assert.deepEqual(consumed.map((p) => [p.attributes, p.value]), [[{ stage: 'dedup', topic: 'cpt.docs.filtered' }, 15]]);
    assert.equal(points(resourceMetrics, 'cptflow.dead_letters')[0].value, 2);
    assert.deepEqual(points(resourceMetrics, 'cptflow.documents')[0].attributes, { stage: 'quality-filter', outcome: 'rejected', reason: 'gopher_repetition' });
    const lag = points(resourceMetrics, 'cptflow.consumer.lag').map((p) => [p.attributes.partition, p.value]);
    assert.deepEqual(lag, [
      [0, 3],
      [1, 0],
    ]);
  });
});

describe('startTelemetry', () => {
  it('is idempotent within a process', () => {
    assert.equal(startTelemetry({ serviceName: 'other' }), telemetry);
    assert.equal(telemetry.exporting, false);
  });

  it('exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const received: Array<{ url: string; bytes: number }> = [];
    const collector = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received.push({ url: req.url ?? '', bytes });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // A fresh process: the OpenTelemetry globals of this one are already registered.
    const script = `
      const { startTelemetry } = require(${JSON.stringify(path.join(__dirname, 'setup.js'))});
      const { trace } = require('@opentelemetry/api');
      const t = startTelemetry({ serviceName: 'otlp-check' });
      if (!t.exporting) process.exit(3);
      trace.getTracer('x').startSpan('exported span').end();
      t.shutdown().then(() => process.exit(0), () => process.exit(4));`;
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, stdio: 'inherit' });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    collector.close();
    assert.equal(code, 0);
    assert.ok(received.some((r) => r.url === '/v1/traces' && r.bytes > 0), `collector got ${JSON.stringify(received)}`);
  });
});
