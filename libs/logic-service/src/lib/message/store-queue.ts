import { ErrorCode, GimError } from '@gim/errors';
import { NewMessage, StoreResult } from './message';
import { MessageRepository } from './message.repository';

/** Bounds of a StoreQueue. */
export interface StoreQueueLimits {
  /** Messages that may wait for a commit; beyond it a store is refused at once with 10501 (busy). */
  maxWaiting: number;
  /** Messages committed together at most. */
  maxBatch: number;
  /** While the oldest waiting message has waited longer than this (ms), new stores are refused with 10501. */
  maxWaitMs: number;
  /**
   * Group commits in flight at once (the database overlaps one's round trips and flush with another's); a
   * commit beyond the first starts only while `parallelFrom` messages or more are waiting.
   */
  concurrency: number;
  /** Messages that must be waiting before a commit starts beside a running one (default 64). */
  parallelFrom?: number;
}

/** Waiting messages from which a second commit starts beside a running one, unless the limits say otherwise. */
const PARALLEL_FROM = 64;

interface Waiting {
  message: NewMessage;
  /** Epoch ms after which the caller no longer waits: the message is then not stored. */
  deadline: number;
  /** When it started waiting (epoch ms). */
  since: number;
  resolve(result: StoreResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit in front of the message repository: stores that arrive while a commit runs wait and are
 * committed together in the next one (one transaction, a fixed number of statements). An idle queue commits
 * after the current I/O phase, so the stores that arrived together start together. The wait is bounded:
 * a full queue, or one whose oldest message has waited longer than `maxWaitMs` (the database falls behind),
 * answers 10501 (busy) at once, so overload is answered quickly while commits keep running at their full rate;
 * and a store whose caller's deadline passed while it waited is
 * refused with 10501 without being stored, so "failed" means "not stored" unless the commit itself outlasted
 * the deadline (a retry with the same client id then returns the stored result).
 */
export class StoreQueue {
  private waiting: Waiting[] = [];
  private running = 0;
  private starting = false;

  constructor(
    private readonly messages: MessageRepository,
    private readonly limits: StoreQueueLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Messages waiting for a commit. */
  get depth(): number {
    return this.waiting.length;
  }

  /** Stores a message in the next group commit; `deadline` is when the caller gives up (epoch ms). */
  store(message: NewMessage, deadline = Number.POSITIVE_INFINITY): Promise<StoreResult> {
    const now = this.now();
    const oldest = this.waiting[0];
    if (
      this.waiting.length >= this.limits.maxWaiting ||
      (oldest && now - oldest.since > this.limits.maxWaitMs)
    ) {
      return Promise.reject(
        new GimError(ErrorCode.Busy, 'server busy: messages wait too long to be stored; retry'),
      );
    }
    return new Promise<StoreResult>((resolve, reject) => {
      this.waiting.push({ message, deadline, since: now, resolve, reject });
      if (!this.starting && this.mayStartCommit()) {
        this.starting = true;
        setImmediate(() => {
          this.starting = false;
          this.running++;
          void this.drain();
        });
      }
    });
  }

  // One commit runs whenever messages wait. More run beside it only under load: at a low rate each extra commit
  // would carry a message or two and cost its fixed round trips, log flush and CPU for nothing, whereas one
  // commit after another gathers what arrived meanwhile (a few milliseconds' worth).
  private mayStartCommit(): boolean {
    if (this.running === 0) return true;
    return (
      this.running < this.limits.concurrency &&
      this.waiting.length >= (this.limits.parallelFrom ?? PARALLEL_FROM)
    );
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const taken = this.waiting.splice(0, this.limits.maxBatch);
      const now = this.now();
      const batch: Waiting[] = [];
      for (const entry of taken) {
        if (entry.deadline > now) batch.push(entry);
        else
          entry.reject(
            new GimError(
              ErrorCode.Busy,
              'server busy: the send waited past its deadline and was not stored; retry',
            ),
          );
      }
      if (batch.length === 0) continue;
      try {
        const results = await this.messages.storeAll(batch.map((entry) => entry.message));
        batch.forEach((entry, index) => {
          const result = results[index];
          if (result) entry.resolve(result);
          else entry.reject(new Error('group commit returned fewer results than messages'));
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.running--;
  }
}
