/**
 * Coalesces concurrent checks of one key (the bus-wait consumer's "does any wait exist for this
 * event type?", see bus-waits.ts) into at most one check in flight and one queued per key.
 *
 * Why it is safe: a check is a barrier — it takes the type's exclusive advisory lock, so it sees
 * every wait that had begun (taken the shared lock) before the check asked for the lock. A caller
 * that joins the *queued* check gets a check that asks for the lock after the caller arrived,
 * which is all that caller needs. A caller never joins the check already in flight (it may have
 * asked for the lock before the caller's event arrived).
 *
 * Why it matters: each check holds the type's exclusive lock for a transaction; one check per
 * event serialised every event of a type through that lock and held most of the pool's
 * connections waiting on it (docs/benchmarks.md, issues 20 and 24). Coalesced, a burst of N
 * events of a type costs at most two checks at a time instead of N queued ones.
 */
export class CoalescedCheck<K> {
  private readonly inFlight = new Map<K, Promise<boolean>>();
  private readonly queued = new Map<K, Promise<boolean>>();

  constructor(private readonly check: (key: K) => Promise<boolean>) {}

  /** The answer of a check that began after this call. */
  ask(key: K): Promise<boolean> {
    const queued = this.queued.get(key);
    if (queued) return queued;
    const current = this.inFlight.get(key);
    if (!current) return this.begin(key);
    const next = current
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(key);
        return this.begin(key);
      });
    this.queued.set(key, next);
    return next;
  }

  private begin(key: K): Promise<boolean> {
    const check = this.check(key).finally(() => {
      if (this.inFlight.get(key) === check) this.inFlight.delete(key);
    });
    this.inFlight.set(key, check);
    return check;
  }
}
