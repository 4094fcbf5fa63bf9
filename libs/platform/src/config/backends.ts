// How services name the backends they use in their start-up log line, without credentials.
import type { CptflowConfig } from './schema';

/** "bus kafka (127.0.0.1:9092); dedup store postgres (db:5432/cptflow)". */
export function describeBackends(config: CptflowConfig, backends: Record<string, string>): string {
  const bus = config.bus.kind === 'kafka' ? `bus kafka (${config.bus.brokers.join(', ')})` : 'bus memory (in-process, this process only)';
  return [bus, ...Object.entries(backends).map(([what, which]) => `${what} ${which}`)].join('; ');
}

/** host:port/path of a connection URL, never its user or password. */
export function urlWithoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'unparsable URL';
  }
}
