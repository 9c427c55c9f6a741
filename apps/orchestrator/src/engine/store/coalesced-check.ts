/**
 * Coalesces the bus-wait consumer's "does any wait exist for this event type?" checks (see
 * bus-waits.ts `waitedTypes`) into at most one check in flight and one queued, each covering every
 * type asked for while it waited.
 *
 * Why it is safe: a check is a barrier — it takes the exclusive advisory lock of each of its types,
 * so it sees every wait that had begun (taken the shared lock) before the check asked for the
 * lock. A caller that joins the *queued* check gets a check that asks for the locks after the
 * caller arrived, which is all that caller needs. A caller never joins the check already in
 * flight (it may have asked for the locks before the caller's event arrived).
 *
 * Why it matters: each check is a transaction. One per event serialised every event of a type
 * through its lock (docs/benchmarks.md, issues 20 and 24); one per type still ran a 4-statement
 * transaction per lifecycle type back to back at load (the flow-control profile: ~1,150 checks in
 * one 1,000-event burst). Coalesced over the types, a burst costs one check at a time.
 */
export class CoalescedCheck<K> {
  private running: Promise<unknown> = Promise.resolve();
  private queued?: { keys: Set<K>; answer: Promise<Set<K>> };

  /** `check` answers which of the keys have a wait. */
  constructor(private readonly check: (keys: K[]) => Promise<Set<K>>) {}

  /** The answer of a check that began after this call. */
  ask(key: K): Promise<boolean> {
    let queued = this.queued;
    if (!queued) {
      const keys = new Set<K>();
      const answer = this.running.then(() => {
        // Begins now: later callers queue the next check.
        if (this.queued?.keys === keys) this.queued = undefined;
        const run = this.check([...keys]);
        this.running = run.catch(() => undefined);
        return run;
      });
      queued = { keys, answer };
      this.queued = queued;
    }
    queued.keys.add(key);
    return queued.answer.then((waited) => waited.has(key));
  }
}
