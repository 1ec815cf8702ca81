import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusHandler, Channels, MemoryBus } from '@gim/bus';
import { loadConfig } from '@gim/config';
import { PacketCommand, SignInRequest } from '@gim/protocol';
import { ClosingTransport, settle, testCore } from '../../test/fakes';
import type { ClientServer } from './client-server';
import { CoarseClock } from './core/sweeper';
import { GatewayConfig } from './gateway.config';
import { GatewayRuntime } from './gateway.runtime';

const WINDOW_MS = 400;

/** A bus that records unsubscriptions in the shared event log. */
class RecordingBus extends MemoryBus {
  constructor(private readonly events: string[]) {
    super();
  }

  override async unsubscribe(channel: string, handler: BusHandler): Promise<void> {
    this.events.push(`unsubscribe ${channel}`);
    await super.unsubscribe(channel, handler);
  }
}

const signIn = (userId: number, deviceId: number) => ({
  requestId: 's',
  command: PacketCommand.PC_SIGN_IN,
  content: Buffer.from(SignInRequest.encode({ userId, deviceId, token: `token-${userId}` }).finish()),
  seq: 0,
});

void describe('GatewayRuntime.shutdown (the drain)', () => {
  void it('stops accepting, closes the clients in waves, reports them offline, then drops the lease and the bus', async () => {
    const events: string[] = [];
    const { core, logic } = testCore({ clock: new CoarseClock(), schedule: (run) => setImmediate(run) });
    const offline = logic.offline.bind(logic);
    logic.offline = async (request) => {
      events.push(`offline ${request.deviceId}`);
      await offline(request);
    };
    const renew = logic.renewGatewayLease.bind(logic);
    logic.renewGatewayLease = async (request) => {
      if (request.leaseSeconds === 0) events.push('lease dropped');
      return renew(request);
    };
    const clients: ClientServer = {
      listen: async () => 4_000,
      stopAccepting: () => events.push('stop accepting'),
      closed: async () => undefined,
    };
    const bus = new RecordingBus(events);
    const config = loadConfig(GatewayConfig, { GIM_DRAIN_WINDOW_MS: String(WINDOW_MS) });
    const settings = {
      config,
      transport: 'tcp' as const,
      gatewayId: 'gw-drain',
      internalSecret: 'secret',
      bus,
      channels: new Channels('test:'),
    };
    const runtime = new GatewayRuntime(settings, logic, clients, core);
    await runtime.onApplicationBootstrap();
    const transports: ClosingTransport[] = [];
    for (const deviceId of [101, 102]) {
      const transport = new ClosingTransport();
      const connection = core.open(transport, '10.0.0.1:1');
      transport.onEnd = () => {
        events.push(`closed ${deviceId} (${transport.closeNotice()?.reconnectAfterMs ?? -1} ms)`);
        core.closed(connection);
      };
      core.receive(connection, signIn(deviceId - 100, deviceId));
      transports.push(transport);
    }
    await settle();
    const began = Date.now();
    await runtime.shutdown();
    const took = Date.now() - began;
    const [first, second] = transports as [ClosingTransport, ClosingTransport];
    const secondDelay = second.closeNotice()?.reconnectAfterMs ?? -1;
    assert.deepEqual(events, [
      'stop accepting',
      'closed 101 (0 ms)',
      'offline 101',
      `closed 102 (${secondDelay} ms)`,
      'offline 102',
      'lease dropped',
      'unsubscribe test:gw:gw-drain',
      'unsubscribe test:all',
    ]);
    assert.equal(first.closeNotice()?.code, 10407);
    assert.ok(
      secondDelay >= 0 && secondDelay < 100,
      `the second is told the rest of its wave: ${secondDelay}`,
    );
    assert.ok(
      took >= WINDOW_MS / 2 - 100 && took < WINDOW_MS + 1_000,
      `the second leaves half-way through the window, not after ${took} ms`,
    );
    assert.equal(runtime.shutdown(), runtime.shutdown(), 'idempotent');
  });
});
