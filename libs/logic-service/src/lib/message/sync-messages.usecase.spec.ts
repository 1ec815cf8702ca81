import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@gim/config';
import { validated } from '@gim/rpc';
import { LogicConfig } from '../logic.config';
import { InboxMessage } from './message';
import { MessageRepository } from './message.repository';
import { SyncCommand } from './message.requests';
import { SyncMessagesUseCase } from './sync-messages.usecase';
import { SyncReply } from '@gim/protocol';

/** An inbox of `sizes.length` messages with the given content sizes, seq 1..n. */
function repositoryWith(sizes: number[], highestAck = 0): MessageRepository {
  const inbox: InboxMessage[] = sizes.map((size, i) => ({
    seq: i + 1,
    messageId: 10_000 + i,
    command: 100,
    content: Buffer.alloc(size),
    createdAt: 0,
  }));
  const fake: Pick<MessageRepository, 'inbox' | 'highestAck'> = {
    inbox: async (_userId, afterSeq, limit) => inbox.filter((m) => m.seq > afterSeq).slice(0, limit),
    highestAck: async () => highestAck,
  };
  return fake as MessageRepository;
}

const config = loadConfig(LogicConfig, {
  GIM_SYNC_PAGE_DEFAULT: '3',
  GIM_SYNC_PAGE_MAX: '5',
  GIM_SYNC_PAGE_MAX_BYTES: '10000',
});
const command = { userId: 1, deviceId: 2, seq: 0, limit: 0 };

describe('SyncMessagesUseCase', () => {
  it('pages by count, with has_more while messages remain', async () => {
    const sync = new SyncMessagesUseCase(config, repositoryWith([10, 10, 10, 10]));
    const first = await sync.execute(command);
    assert.deepEqual(
      first.messages.map((m) => m.seq),
      [1, 2, 3],
    );
    assert.equal(first.hasMore, true);
    const last = await sync.execute({ ...command, seq: 3 });
    assert.deepEqual(
      last.messages.map((m) => m.seq),
      [4],
    );
    assert.equal(last.hasMore, false);
  });

  it('caps a page by content bytes so the reply fits a client frame, yet always advances', async () => {
    const sync = new SyncMessagesUseCase(config, repositoryWith([6000, 6000, 20000, 10]));
    const first = await sync.execute({ ...command, limit: 5 });
    assert.deepEqual(
      first.messages.map((m) => m.seq),
      [1],
    );
    assert.equal(first.hasMore, true);
    const oversized = await sync.execute({ ...command, seq: 2, limit: 5 });
    assert.deepEqual(
      oversized.messages.map((m) => m.seq),
      [3],
      'one message over the budget still comes alone',
    );
    assert.equal(oversized.hasMore, true);
  });

  it('counts each message envelope, so a page of many small messages still fits the byte budget', async () => {
    const budget = loadConfig(LogicConfig, { GIM_SYNC_PAGE_MAX: '1000', GIM_SYNC_PAGE_MAX_BYTES: '57344' });
    const sync = new SyncMessagesUseCase(budget, repositoryWith(new Array<number>(1000).fill(100)));
    const page = await sync.execute({ ...command, limit: 1000 });
    const encoded = SyncReply.encode({ messages: page.messages, hasMore: page.hasMore }).finish().length;
    assert.ok(encoded <= 57_344, `a page of 100-byte messages encodes to ${encoded} bytes`);
    assert.ok(page.messages.length > 300 && page.hasMore);
  });

  it('caps a limit above GIM_SYNC_PAGE_MAX at the maximum instead of refusing it', async () => {
    const sync = new SyncMessagesUseCase(config, repositoryWith([1, 1, 1, 1, 1, 1, 1]));
    const page = await sync.execute(validated(SyncCommand, { ...command, limit: 2 ** 32 - 1 }));
    assert.deepEqual(
      page.messages.map((m) => m.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(page.hasMore, true);
  });

  it('starts a sync from 0 after the highest acknowledged seq', async () => {
    const sync = new SyncMessagesUseCase(config, repositoryWith([1, 1, 1, 1], 2));
    const page = await sync.execute(command);
    assert.deepEqual(
      page.messages.map((m) => m.seq),
      [3, 4],
    );
  });
});
