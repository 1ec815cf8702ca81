import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '@gim/config';
import { GatewayConfig, gatewayAddresses } from './gateway.config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(GatewayConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

void describe('GatewayConfig', () => {
  void it('has working defaults and per-transport addresses', () => {
    const config = loadConfig(GatewayConfig, {});
    assert.equal(config.GIM_MAX_FRAME_BYTES, 65_536);
    assert.equal(config.GIM_SEND_QUEUE_MAX_BYTES, 1_048_576);
    assert.equal(config.GIM_MAX_UNAUTHENTICATED_PER_ADDRESS, 128);
    assert.deepEqual(gatewayAddresses(config, 'tcp'), {
      listen: '0.0.0.0:8001',
      grpc: '0.0.0.0:8003',
      ops: '0.0.0.0:9001',
    });
    assert.deepEqual(gatewayAddresses(config, 'ws'), {
      listen: '0.0.0.0:8002',
      grpc: '0.0.0.0:8004',
      ops: '0.0.0.0:9002',
    });
  });

  void it('reads numbers and addresses from the environment', () => {
    const config = loadConfig(GatewayConfig, {
      GIM_IDLE_TIMEOUT_MS: '60000',
      GIM_GATEWAY_LISTEN: '127.0.0.1:0',
    });
    assert.equal(config.GIM_IDLE_TIMEOUT_MS, 60_000);
    assert.deepEqual(gatewayAddresses(config, 'ws').listen, '127.0.0.1:0');
  });

  void it('names every bad variable', () => {
    const found = problems({
      GIM_MAX_FRAME_BYTES: 'big',
      GIM_GATEWAY_LISTEN: 'localhost',
      GIM_LOGIC_GRPC_ADDR: '127.0.0.1:99999',
      GIM_REDIS_URL: 'http://x',
      GIM_GATEWAY_ID: 'has space',
      GIM_MAX_UNAUTHENTICATED_PER_ADDRESS: '-1',
    });
    for (const name of [
      'GIM_MAX_FRAME_BYTES',
      'GIM_GATEWAY_LISTEN',
      'GIM_LOGIC_GRPC_ADDR',
      'GIM_REDIS_URL',
      'GIM_GATEWAY_ID',
      'GIM_MAX_UNAUTHENTICATED_PER_ADDRESS',
    ]) {
      assert.ok(
        found.some((problem) => problem.startsWith(`${name}:`)),
        `${name} in ${found.join(' | ')}`,
      );
    }
  });

  void it('requires the send queue bound to hold at least two maximal frames', () => {
    const found = problems({ GIM_MAX_FRAME_BYTES: '65536', GIM_SEND_QUEUE_MAX_BYTES: '100000' });
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^GIM_SEND_QUEUE_MAX_BYTES: .*twice GIM_MAX_FRAME_BYTES/);
  });

  void it('keeps the drain window within half of the shutdown timeout', () => {
    assert.equal(loadConfig(GatewayConfig, {}).GIM_DRAIN_WINDOW_MS, 10_000);
    assert.deepEqual(problems({ GIM_DRAIN_WINDOW_MS: '3000', GIM_SHUTDOWN_TIMEOUT_MS: '6000' }), []);
    const found = problems({ GIM_DRAIN_WINDOW_MS: '3001', GIM_SHUTDOWN_TIMEOUT_MS: '6000' });
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^GIM_DRAIN_WINDOW_MS: .*half of GIM_SHUTDOWN_TIMEOUT_MS/);
  });
});
