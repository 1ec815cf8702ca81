// Small helpers shared by the scenarios: progress lines, bounded concurrency, percentiles, waiting.

/** Writes a progress line to stderr (the results go to stdout). */
export function progress(text: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

/** Runs `work(i)` for i in [0, count) with at most `limit` in flight; reports progress about once a second. */
export async function forEachLimited<T>(
  count: number,
  limit: number,
  work: (index: number) => Promise<T>,
  label?: string,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let done = 0;
  const started = Date.now();
  const ticker = label ? setInterval(() => progress(`${label}: ${done}/${count}`), 1_000).unref() : undefined;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
      done++;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  if (label) progress(`${label}: ${count} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` every few milliseconds until it holds; throws with `what` after the timeout. */
export async function waitUntil(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(2);
  }
}

/** The p-th percentile (0–100) of already sorted values, nearest rank; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** A growable list of numbers kept in a Float64Array (latency samples). */
export class Samples {
  private values = new Float64Array(1024);
  length = 0;

  add(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  /** A sorted copy of the samples so far. */
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }

  /** p50, p90, p99 and max of the samples so far. */
  summary(): { count: number; p50: number; p90: number; p99: number; max: number } {
    const sorted = this.sorted();
    return {
      count: this.length,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
    };
  }
}

/** Milliseconds with a fractional part on a clock shared by every client in this process. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Rounds to a number of decimals (for the JSON and the tables). */
export function round(value: number, decimals = 1): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** `list[index]`, which must exist. */
export function at<T>(list: readonly T[], index: number): T {
  const value = list[index];
  if (value === undefined) throw new RangeError(`no element ${index} in a list of ${list.length}`);
  return value;
}
