/**
 * Rations the refreshes a client forces on the server: at most one per account per interval,
 * and one in flight per account however many callers ask for it at once.
 *
 * A forced refresh costs a grant at the provider, and an upstream that keeps rejecting a token
 * for another reason (a missing scope, a suspended user) would otherwise cost one per call.
 * The ration is per client instance; several processes each get their own.
 */
export class RefreshGate {
  private readonly flights = new Map<string, Promise<void>>();
  /** When each account's last forced refresh started (client clock, epoch ms). */
  private readonly started = new Map<string, number>();

  constructor(
    private readonly opts: {
      intervalMs: number;
      now: () => number;
    },
  ) {}

  /**
   * Joins the account's forced refresh in flight, else starts `refresh` unless one started
   * less than the interval ago (then resolves at once). Rejects when `refresh` does.
   */
  run(accountId: string, refresh: () => Promise<void>): Promise<void> {
    const flight = this.flights.get(accountId);
    if (flight) return flight;

    const now = this.opts.now();
    const last = this.started.get(accountId);
    if (last !== undefined && now - last < this.opts.intervalMs) return Promise.resolve();

    // Counted when it starts, whatever its outcome: a refused refresh is not retried sooner.
    if (this.started.size >= 1000) this.forgetBefore(now - this.opts.intervalMs);
    this.started.set(accountId, now);
    const promise = refresh().finally(() => this.flights.delete(accountId));
    this.flights.set(accountId, promise);
    return promise;
  }

  /** Drops the start times too old to matter, so a long-lived client does not hoard them. */
  private forgetBefore(cutoff: number): void {
    for (const [accountId, at] of this.started) {
      if (at <= cutoff) this.started.delete(accountId);
    }
  }
}
