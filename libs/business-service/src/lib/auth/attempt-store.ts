/** One fixed-window counter an attempt takes a slot from, and how many slots it has per window. */
export interface AttemptLimit {
  key: string;
  max: number;
}

/** The outcome of reserve: the counters' new values, or how long until the blocking window ends. */
export type Reservation = { granted: true; counts: number[] } | { granted: false; retryAfterMs: number };

/**
 * Fixed-window counters of sign-in attempts. A window starts with a counter's first slot and lasts
 * `windowMs`; the counter disappears when it ends. Implementations: Redis (cluster) and memory (standalone).
 */
export abstract class AttemptStore {
  /**
   * Atomically: when any counter already holds `max` slots, refuses with the longest time left among those
   * counters' windows; otherwise adds one slot to every counter (starting a window where there is none) and
   * returns their new values, in order.
   */
  abstract reserve(limits: readonly AttemptLimit[], windowMs: number): Promise<Reservation>;
  /** Gives back one slot on each counter that still exists. */
  abstract release(keys: readonly string[]): Promise<void>;
  /** Forgets counters and their windows. */
  abstract clear(keys: readonly string[]): Promise<void>;
  /** Releases the store's connections. */
  abstract close(): Promise<void>;
}

interface Counter {
  count: number;
  expiresAt: number;
}

/** Counters the memory store keeps before it drops the oldest. */
export const MEMORY_ATTEMPT_COUNTERS = 100_000;

/**
 * AttemptStore in this process's memory, for standalone mode. Expiry is checked on access (no timer per
 * counter). The map is bounded: when full, the oldest counter goes; every window has the same length, so
 * insertion order is expiry order and expired counters are the first to go.
 */
export class MemoryAttemptStore extends AttemptStore {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly maxCounters = MEMORY_ATTEMPT_COUNTERS,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** Counters currently held, expired ones included until they are touched or pushed out. */
  get size(): number {
    return this.counters.size;
  }

  override async reserve(limits: readonly AttemptLimit[], windowMs: number): Promise<Reservation> {
    const now = this.now();
    let blockedForMs = 0;
    for (const { key, max } of limits) {
      const counter = this.live(key, now);
      if (counter && counter.count >= max) blockedForMs = Math.max(blockedForMs, counter.expiresAt - now);
    }
    if (blockedForMs > 0) return { granted: false, retryAfterMs: blockedForMs };
    const counts = limits.map(({ key }) => {
      let counter = this.live(key, now);
      if (!counter) {
        this.makeRoom();
        counter = { count: 0, expiresAt: now + windowMs };
        this.counters.set(key, counter);
      }
      return ++counter.count;
    });
    return { granted: true, counts };
  }

  override async release(keys: readonly string[]): Promise<void> {
    const now = this.now();
    for (const key of keys) {
      const counter = this.live(key, now);
      if (counter && --counter.count <= 0) this.counters.delete(key);
    }
  }

  override async clear(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.counters.delete(key);
  }

  override async close(): Promise<void> {
    this.counters.clear();
  }

  private live(key: string, now: number): Counter | undefined {
    const counter = this.counters.get(key);
    if (counter && counter.expiresAt <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return counter;
  }

  private makeRoom(): void {
    while (this.counters.size >= this.maxCounters) {
      const oldest = this.counters.keys().next();
      if (oldest.done) return;
      this.counters.delete(oldest.value);
    }
  }
}
