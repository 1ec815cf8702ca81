import { ErrorCode, GimError, isErrorCode } from '@gim/errors';
import { logicMessageInt } from '@gim/contracts';

/** Sends per SendUserMessages call at most (the proto's limit). */
export const MAX_SENDS_PER_CALL = 1_000;

interface Pending {
  request: logicMessageInt.SendUserMessageRequest;
  resolve(reply: logicMessageInt.SendUserMessageReply): void;
  reject(error: unknown): void;
}

/** The one call a SendBatcher makes to logic. */
export type SendUserMessages = (
  request: logicMessageInt.SendUserMessagesRequest,
) => Promise<logicMessageInt.SendUserMessagesReply>;

/**
 * The sends a gateway's connections ask for in one I/O phase, as one `SendUserMessages` batch (up to 1,000 per
 * batch), so the per-call cost of gRPC is paid per batch, not per message. Each send still succeeds or fails on
 * its own. Bounded in number and in time: with `maxPending` sends already waiting for logic, or while the oldest
 * unanswered batch has waited longer than `maxWaitMs`, a send is refused at once with 10501 (busy, nothing
 * stored), so an overloaded logic is answered, not queued behind.
 */
export class SendBatcher {
  private queued: Pending[] = [];
  private pending = 0;
  /** When each unanswered batch left, oldest first (Map keeps insertion order). */
  private readonly inFlight = new Map<Pending[], number>();

  constructor(
    private readonly call: SendUserMessages,
    private readonly maxPending: number,
    private readonly maxWaitMs = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends one message in the next batch. */
  send(request: logicMessageInt.SendUserMessageRequest): Promise<logicMessageInt.SendUserMessageReply> {
    if (this.pending >= this.maxPending) {
      return Promise.reject(
        new GimError(ErrorCode.Busy, 'server busy: too many sends waiting for logic; retry'),
      );
    }
    const oldest = this.inFlight.values().next();
    if (!oldest.done && this.now() - oldest.value > this.maxWaitMs) {
      return Promise.reject(
        new GimError(ErrorCode.Busy, 'server busy: sends wait too long for logic; retry'),
      );
    }
    this.pending++;
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ request, resolve, reject });
    });
  }

  private flush(): void {
    const all = this.queued;
    this.queued = [];
    for (let start = 0; start < all.length; start += MAX_SENDS_PER_CALL) {
      void this.dispatch(all.slice(start, start + MAX_SENDS_PER_CALL));
    }
  }

  private async dispatch(batch: Pending[]): Promise<void> {
    this.inFlight.set(batch, this.now());
    try {
      const { results } = await this.call({ sends: batch.map((entry) => entry.request) });
      batch.forEach((entry, index) => settle(entry, results[index]));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.pending -= batch.length;
      this.inFlight.delete(batch);
    }
  }
}

function settle(entry: Pending, result: logicMessageInt.SendUserMessageResult | undefined): void {
  if (result === undefined) entry.reject(new Error('logic returned fewer results than sends'));
  else if (result.code === 0 && result.reply) entry.resolve(result.reply);
  else if (isErrorCode(result.code)) entry.reject(new GimError(result.code, result.message));
  else entry.reject(new Error(`logic failed the send with code ${result.code}: ${result.message}`));
}
