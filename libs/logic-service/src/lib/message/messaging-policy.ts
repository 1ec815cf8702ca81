import { businessFriendInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { PromiseClient } from '@gim/rpc';

const REFUSALS: Partial<Record<number, string>> = {
  [ErrorCode.FriendNotFound]: 'only friends may message each other here; send a friend request first',
  [ErrorCode.Blocked]: 'one of the two users blocks the other',
};

/**
 * Who may send a one-to-one message to whom, as business decides it (the deployment's messaging rule and the
 * users' blocks). The sends of one I/O phase are asked about together in one CheckSends call.
 */
export class MessagingPolicy {
  private next: { pairs: businessFriendInt.SendPair[]; answer: Promise<number[]> } | undefined;

  constructor(private readonly friends: PromiseClient<businessFriendInt.FriendIntServiceClient>) {}

  /** Resolves when `senderId` may message `receiverId` (gim's ids); throws the refusal (10210, 10213) otherwise. */
  async check(senderId: number, receiverId: number): Promise<void> {
    if (senderId === receiverId) return;
    if (this.next === undefined) {
      const pairs: businessFriendInt.SendPair[] = [];
      const answer = new Promise<number[]>((resolve, reject) =>
        setImmediate(() => {
          this.next = undefined;
          this.friends.checkSends({ pairs }).then((reply) => resolve(reply.codes), reject);
        }),
      );
      this.next = { pairs, answer };
    }
    const index = this.next.pairs.push({ senderId, receiverId }) - 1;
    const code = (await this.next.answer)[index] ?? 0;
    if (code !== 0) throw new GimError(code, REFUSALS[code] ?? `refused with ${code}`);
  }
}
