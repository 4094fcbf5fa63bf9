// What /ready reports: every component that must be up registers a check; ready means all pass.
export type ReadinessCheck = () => { ready: boolean; detail?: string };

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Once shutdown begins the service reports not ready, so load balancers stop sending work. */
  markDraining(): void {
    this.draining = true;
  }

  report(): { ready: boolean; components: Record<string, { ready: boolean; detail?: string }> } {
    const components: Record<string, { ready: boolean; detail?: string }> = {};
    for (const [name, check] of this.checks) components[name] = check();
    if (this.draining) components.shutdown = { ready: false, detail: 'draining' };
    return { ready: Object.values(components).every((c) => c.ready), components };
  }
}
