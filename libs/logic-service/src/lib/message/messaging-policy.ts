import { Logger } from '@nestjs/common';
import { FanoutBus } from '@gim/bus';
import { businessFriendInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { PromiseClient } from '@gim/rpc';

const REFUSALS: Partial<Record<number, string>> = {
  [ErrorCode.FriendNotFound]: 'only friends may message each other here; send a friend request first',
  [ErrorCode.Blocked]: 'one of the two users blocks the other',
};

/** How long a verdict is reused at most, should an announcement of a change be lost. */
const VERDICT_TTL_MS = 30_000;
/** Verdicts kept at most; the cache starts over beyond it. */
const MAX_VERDICTS = 200_000;

/**
 * Who may send a one-to-one message to whom, as business decides it (the deployment's messaging rule and the
 * users' blocks). Verdicts are kept until business announces a change between the two users on the bus (or for
 * VERDICT_TTL_MS at most); the sends of one I/O phase that find none are asked about in one CheckSends call.
 */
export class MessagingPolicy {
  private next: { pairs: businessFriendInt.SendPair[]; answer: Promise<number[]> } | undefined;
  private readonly verdicts = new Map<string, { code: number; until: number }>();
  /** Changes announced so far: a CheckSends answer that crossed one is not kept. */
  private changes = 0;
  private readonly logger = new Logger('messaging');

  constructor(
    private readonly friends: PromiseClient<businessFriendInt.FriendIntServiceClient>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops the verdicts of the pairs business announces on `channel` (payload `userA:userB`) from now on. */
  async listen(bus: FanoutBus, channel: string): Promise<void> {
    await bus.subscribe(channel, (payload) => this.changed(payload.toString()));
  }

  /** Resolves when `senderId` may message `receiverId` (gim's ids); throws the refusal (10210, 10213) otherwise. */
  async check(senderId: number, receiverId: number): Promise<void> {
    if (senderId === receiverId) return;
    const key = `${senderId}:${receiverId}`;
    const known = this.verdicts.get(key);
    const code =
      known !== undefined && known.until > this.now() ? known.code : await this.ask(senderId, receiverId);
    if (code !== 0) throw new GimError(code, REFUSALS[code] ?? `refused with ${code}`);
  }

  private async ask(senderId: number, receiverId: number): Promise<number> {
    if (this.next === undefined) {
      const pairs: businessFriendInt.SendPair[] = [];
      const changesBefore = this.changes;
      const answer = new Promise<number[]>((resolve, reject) =>
        setImmediate(() => {
          this.next = undefined;
          this.friends.checkSends({ pairs }).then((reply) => {
            if (this.changes === changesBefore) this.keep(pairs, reply.codes);
            resolve(reply.codes);
          }, reject);
        }),
      );
      this.next = { pairs, answer };
    }
    const index = this.next.pairs.push({ senderId, receiverId }) - 1;
    return (await this.next.answer)[index] ?? 0;
  }

  private keep(pairs: readonly businessFriendInt.SendPair[], codes: readonly number[]): void {
    if (this.verdicts.size + pairs.length > MAX_VERDICTS) this.verdicts.clear();
    const until = this.now() + VERDICT_TTL_MS;
    pairs.forEach((pair, index) =>
      this.verdicts.set(`${pair.senderId}:${pair.receiverId}`, { code: codes[index] ?? 0, until }),
    );
  }

  private changed(payload: string): void {
    this.changes++;
    const [a, b] = payload.split(':');
    if (a === undefined || b === undefined) {
      this.logger.warn(`dropped every messaging verdict on an unreadable change "${payload.slice(0, 40)}"`);
      this.verdicts.clear();
      return;
    }
    this.verdicts.delete(`${a}:${b}`);
    this.verdicts.delete(`${b}:${a}`);
  }
}
