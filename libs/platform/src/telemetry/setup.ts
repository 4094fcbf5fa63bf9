// One call, first thing in every service's main: wires OpenTelemetry's global tracer, meter and W3C
// propagator. With OTEL_EXPORTER_OTLP_ENDPOINT set, spans and metrics go out over OTLP/HTTP (the
// exporters read the endpoint and headers from the standard OTEL_* variables themselves); without it,
// nothing leaves the process, but trace context still flows through Kafka headers so a collector
// added later sees whole traces.
import { NodeSDK, core } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TelemetryOptions {
  serviceName: string;
  /** Extra span processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
  /** Extra metric readers, e.g. an in-memory reader in tests. */
  metricReaders?: IMetricReader[];
  /** Defaults to process.env; injectable for tests. */
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  readonly serviceName: string;
  /** True when spans and metrics are exported over OTLP. */
  readonly exporting: boolean;
  /** Flushes and stops exporting; call on graceful shutdown. */
  shutdown(): Promise<void>;
}

let current: Telemetry | undefined;

/** Idempotent: the first call configures the process, later calls return the same handle. */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (current) return current;
  const env = options.env ?? process.env;
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const spanProcessors = [...(options.spanProcessors ?? [])];
  const metricReaders = [...(options.metricReaders ?? [])];
  if (exporting) {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 10_000),
      }),
    );
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // Explicit lists (even empty ones) keep the SDK from guessing exporters from the environment.
    spanProcessors,
    metricReaders,
    logRecordProcessors: [],
    textMapPropagator: new core.W3CTraceContextPropagator(),
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  const handle: Telemetry = {
    serviceName: options.serviceName,
    exporting,
    async shutdown() {
      if (current === handle) current = undefined;
      await sdk.shutdown();
    },
  };
  current = handle;
  return handle;
}
