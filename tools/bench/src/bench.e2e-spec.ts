// The bench's harness at a tiny size against standalone gim: every scenario runs to the end and reports figures
// of the right shape. No timing is asserted: the bench measures, it does not judge.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stopEverything } from './cleanup';
import { runBurst } from './scenarios/burst';
import { runDirect } from './scenarios/direct';
import { runGroup } from './scenarios/group';
import { runMemory } from './scenarios/memory';
import { runRoom } from './scenarios/room';
import { pinCores } from './system';

// Tests never pin the runner's own process.
const pinning = pinCores(false);

describe('bench harness (standalone, tiny sizes)', { timeout: 180_000 }, () => {
  it('memory: 20 idle connections per server', async () => {
    try {
      const result = await runMemory('standalone', pinning, { connections: 20, warmup: 5, settleMs: 50 });
      assert.deepEqual(
        result.rows.map((row) => `${row.server} ${row.transport}`),
        ['gim standalone ws', 'gim standalone tcp', 'socket.io 4.8 ws', 'bare ws ws', 'bare net tcp'],
      );
      for (const row of result.rows) {
        assert.equal(row.connections, 20);
        assert.ok(row.after.rss > 0 && row.after.heapUsed > 0, `${row.server}: memory read`);
      }
    } finally {
      await stopEverything();
    }
  });

  it('burst: 5 pushes to 20 clients, all at once and one at a time, gim and socket.io', async () => {
    try {
      for (const steady of [false, true]) {
        const result = await runBurst('standalone', pinning, {
          clients: 20,
          pushes: 5,
          size: 100,
          steady,
          baselines: true,
        });
        assert.deepEqual(
          result.runs.map((run) => [run.server, run.variant, run.deliveries]),
          [
            ['gim standalone', steady ? 'steady' : 'burst', 100],
            ['socket.io 4.8', steady ? 'steady' : 'burst', 100],
          ],
        );
        assert.ok(result.comparison);
      }
    } finally {
      await stopEverything();
    }
  });

  it('direct: 2 pairs × 10 messages closed loop, then a short open loop; nothing lost or duplicated', async () => {
    try {
      const result = await runDirect('standalone', pinning, {
        pairs: 2,
        size: 100,
        durationSeconds: 1,
        messages: 10,
        rates: [20],
      });
      assert.deepEqual(
        result.phases.map((phase) => [phase.name, phase.sent]),
        [
          ['closed loop', 20],
          ['open 20/s', 20],
        ],
      );
      assert.equal(result.check.lost, 0);
      assert.equal(result.check.duplicated, 0);
      assert.equal(result.check.retryViolations, 0);
      assert.equal(result.check.acknowledged + result.check.retried, 40);
    } finally {
      await stopEverything();
    }
  });

  it('group: 5 members, 2 senders for 2 s, then 20/s from one; every member got every message once, in order', async () => {
    try {
      const result = await runGroup('standalone', pinning, {
        members: 5,
        senders: 2,
        size: 100,
        durationSeconds: 2,
        rate: 20,
      });
      assert.deepEqual(
        result.phases.map((phase) => [phase.name, phase.senders]),
        [
          ['closed loop', 2],
          ['open 20/s', 1],
        ],
      );
      const [closedLoop, open] = result.phases;
      assert.ok(closedLoop && closedLoop.acknowledged > 0, 'the closed loop sent something');
      assert.equal(open?.sent, 40);
      assert.equal(result.latency.messages, open?.acknowledged);
      const sent = result.phases.reduce((sum, phase) => sum + phase.sent, 0);
      const failed = result.phases.flatMap((phase) => Object.values(phase.failedByCode));
      assert.equal(result.check.acknowledged + failed.reduce((sum, count) => sum + count, 0), sent);
      // A send that failed after its message was stored is delivered too (not an error).
      const stored = result.check.acknowledged + result.check.deliveredAfterFailedSend;
      assert.equal(result.check.livePushes, stored * 5);
      const { missing, duplicated, seqNotIncreasing, idsReused, closed, sync } = result.check;
      assert.deepEqual(
        { missing, duplicated, seqNotIncreasing, idsReused, closed },
        { missing: 0, duplicated: 0, seqNotIncreasing: 0, idsReused: 0, closed: 0 },
      );
      assert.deepEqual([sync.groupMessages, sync.missing, sync.duplicated], [stored, 0, 0]);
      assert.equal(result.goals.length, 2);
    } finally {
      await stopEverything();
    }
  });

  it('room: 5 pushes to 20 subscribers, all at once, gim and socket.io; every client got all, in order', async () => {
    try {
      const result = await runRoom('standalone', pinning, {
        clients: 20,
        pushes: 5,
        size: 100,
        steady: false,
        priority: false,
        baselines: true,
      });
      assert.deepEqual(
        result.runs.map((run) => [run.server, run.variant, run.deliveries]),
        [
          ['gim standalone', 'burst', 100],
          ['socket.io 4.8', 'burst', 100],
        ],
      );
      assert.ok(result.comparison);
      assert.deepEqual(result.check, {
        clients: 20,
        expectedPerClient: 6,
        incompleteClients: 0,
        missing: 0,
        duplicated: 0,
        outOfOrder: 0,
        closed: 0,
      });
    } finally {
      await stopEverything();
    }
  });
});
