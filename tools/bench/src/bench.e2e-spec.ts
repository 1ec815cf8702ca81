// The bench's harness at a tiny size against standalone gim: every scenario runs to the end and reports figures
// of the right shape. No timing is asserted: the bench measures, it does not judge.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stopEverything } from './cleanup';
import { runBurst } from './scenarios/burst';
import { runDirect } from './scenarios/direct';
import { runMemory } from './scenarios/memory';
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
});
