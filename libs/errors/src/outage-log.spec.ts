import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutageLog } from './outage-log';

void describe('OutageLog', () => {
  void it('logs the first failure of a burst, folds the rest, reports again after the interval and on recovery', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new OutageLog(
      (line) => lines.push(line),
      1_000,
      () => now,
    );
    log.recovered('database');
    assert.deepEqual(lines, [], 'a success outside a burst logs nothing');
    for (let i = 0; i < 500; i++) log.failed('database', 'ECONNREFUSED');
    assert.deepEqual(lines, ['database unavailable: ECONNREFUSED']);
    now = 1_500;
    log.failed('database', 'ECONNREFUSED');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /still unavailable after 1500 ms: ECONNREFUSED \(499 more failures/);
    log.failed('redis', 'down');
    assert.equal(lines[2], 'redis unavailable: down', 'each dependency has its own burst');
    now = 2_000;
    log.recovered('database');
    assert.equal(lines[3], 'database available again after 2000 ms');
    log.failed('database', 'again');
    assert.equal(lines[4], 'database unavailable: again', 'a new burst starts after recovery');
  });
});
