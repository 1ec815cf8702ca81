// Cluster mode with two tcp-gateways and a ws-gateway: while A and B (on the first tcp-gateway) and C (on the
// ws-gateway) keep chatting, the first tcp-gateway gets SIGTERM. It refuses new clients at once, tells A and B
// PC_CLOSE 10407 with return times spread over GIM_DRAIN_WINDOW_MS, leaves presence and exits 0; A and B come back
// on the second tcp-gateway after their delay, sync from the last seq they hold and carry on. In the end every
// message was stored once, and every client holds exactly its inbox: contiguous seqs, nothing lost or doubled.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { businessUserExt, logicPush } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { CloseNotice, Message } from '@gim/protocol';
import { GrpcClient } from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { phoneSignIn, type Session, userExtClient } from './support/sessions';
import { TestConnection } from './support/test-connection';

const DRAIN_WINDOW_MS = 1_500;
/** CommonConfig's default GIM_SHUTDOWN_TIMEOUT_MS, which the drained gateway runs with. */
const SHUTDOWN_TIMEOUT_MS = 20_000;
/** Sends each of A and B makes on the second gateway before the conversation stops. */
const SENDS_AFTER_RETURN = 15;

function chatText(message: Message): string {
  return Buffer.from(logicPush.UserMessagePush.decode(message.content).content).toString();
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One device as a careful client runs it: it keeps what it holds by seq, syncs after reconnecting and on gaps. */
class Device {
  /** seq → message id of every message the device holds. */
  readonly held = new Map<number, number>();
  /** The PC_CLOSE notices it got, with when they arrived. */
  readonly notices: Array<CloseNotice & { at: number }> = [];
  /** Sends that got no answer (the connection went) and were sent again with the same client_msg_id. */
  retried = 0;
  /** Sends confirmed since the device last connected. */
  confirmedHere = 0;
  /** Times it came back after a PC_CLOSE. */
  returns = 0;
  connection!: TestConnection;
  private merged = 0;
  private gapSince = 0;
  private reconnecting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    readonly session: Session,
    private readonly open: (port: number) => Promise<TestConnection>,
    private port: number,
    /** Where it reconnects after a PC_CLOSE. */
    private readonly nextPort: number,
  ) {}

  /** The highest seq below which the device holds every message. */
  get contiguous(): number {
    let seq = 0;
    while (this.held.has(seq + 1)) seq++;
    return seq;
  }

  /** Connects, signs in and syncs from the highest contiguous seq held. */
  async connect(): Promise<void> {
    const connection = await this.open(this.port);
    const reply = await connection.signIn(this.session.userId, this.session.deviceId, this.session.token);
    assert.equal(reply.code, 0, `${this.name} signs in: ${reply.message}`);
    this.connection = connection;
    this.merged = 0;
    this.confirmedHere = 0;
    void connection.closed.then(({ notice }) => {
      if (this.stopped || notice === undefined) return;
      this.notices.push({ ...notice, at: Date.now() });
      this.reconnecting = this.comeBack(notice.reconnectAfterMs);
    });
    await this.catchUp();
  }

  /** Merges the pushes received so far; syncs when a gap stayed open for a while (a push was missed). */
  async absorb(): Promise<void> {
    const pushes = this.connection.pushes;
    for (; this.merged < pushes.length; this.merged++) {
      const message = pushes[this.merged];
      if (message !== undefined) this.held.set(message.seq, message.messageId);
    }
    const gap = this.held.size > this.contiguous;
    if (!gap) this.gapSince = 0;
    else if (this.gapSince === 0) this.gapSince = Date.now();
    else if (Date.now() - this.gapSince > 500) {
      this.gapSince = 0;
      await this.catchUp().catch(() => undefined);
    }
  }

  /** Sends `text` to `toUserId` until it is confirmed, across reconnects, always with the same client_msg_id. */
  async send(toUserId: number, text: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.reconnecting;
      const connection = this.connection;
      try {
        const reply = await connection.send(toUserId, text, text);
        this.held.set(reply.seq, reply.messageId);
        this.confirmedHere++;
        return;
      } catch (error) {
        if (attempt > 200) throw error;
        if (String(error).includes('connection closed')) this.retried++;
        await pause(20);
      }
    }
  }

  /** Stops reconnecting and closes. */
  close(): void {
    this.stopped = true;
    this.connection?.close();
  }

  /** Waits for a reconnect in progress. */
  async settled(): Promise<void> {
    await this.reconnecting;
  }

  private async comeBack(delayMs: number): Promise<void> {
    await pause(delayMs);
    this.port = this.nextPort;
    await this.connect();
    this.returns++;
  }

  private async catchUp(): Promise<void> {
    const { messages } = await this.connection.syncAll(this.contiguous, 0);
    for (const message of messages) this.held.set(message.seq, message.messageId);
  }
}

void describe('draining a gateway (cluster, two tcp-gateways and a ws-gateway)', { timeout: 240_000 }, () => {
  let gim: Deployment;
  let users: GrpcClient<businessUserExt.UserExtServiceClient>;
  let redis: Redis;
  const devices: Device[] = [];

  before(async () => {
    gim = await startCluster({ extraTcpGateways: 1, env: { GIM_DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS) } });
    users = userExtClient(gim);
    redis = new Redis(gim.redis!.url);
  });

  after(async () => {
    for (const device of devices) device.close();
    users?.close();
    redis?.disconnect();
    await gim?.stop();
  });

  const leases = async (): Promise<string[]> =>
    (await redis.keys(`${gim.redis!.prefix}lease:*`))
      .map((key) => key.slice(key.indexOf('lease:') + 6))
      .sort();

  void it('moves A and B to the other gateway over the window, losing and doubling nothing', async (t) => {
    const gateway1 = gim.ports.tcp;
    const gateway2 = gim.ports.extraTcp[0]!;
    const tcp = (port: number) => TestConnection.tcp(port);
    const a = new Device('A', await phoneSignIn(users, '+8613700000701'), tcp, gateway1, gateway2);
    const b = new Device('B', await phoneSignIn(users, '+8613700000702'), tcp, gateway1, gateway2);
    const c = new Device(
      'C',
      await phoneSignIn(users, '+8613700000703'),
      (port) => TestConnection.ws(port),
      gim.ports.ws,
      gim.ports.ws,
    );
    devices.push(a, b, c);
    for (const device of devices) await device.connect();
    const leasesBefore = await leases();
    assert.equal(leasesBefore.length, 3, 'three gateways hold a lease');

    let talking = true;
    const sent: Array<{ from: Device; to: Device; text: string }> = [];
    const talk = async (from: Device, to: Device[]): Promise<void> => {
      for (let index = 1; talking; index++) {
        const target = to[index % to.length]!;
        const text = `${from.name}-${index}`;
        sent.push({ from, to: target, text });
        await from.send(target.session.userId, text);
        await pause(10);
      }
    };
    const absorbing = (async () => {
      while (talking) {
        for (const device of devices) await device.absorb();
        await pause(20);
      }
    })();
    const conversation = [talk(a, [b]), talk(b, [a]), talk(c, [a, b])];
    await pause(600);

    const signalledAt = Date.now();
    const exited = gim.stopProcess('tcp-gateway', 'SIGTERM', 30_000);
    while (a.notices.length === 0 && Date.now() - signalledAt < 10_000) await pause(10);
    assert.equal(a.notices.length, 1, `A was told to leave:\n${gim.logs()}`);
    await assert.rejects(tcp(gateway1), /ECONNREFUSED/, 'the draining gateway refuses new clients');

    const exit = await exited;
    while (
      [a, b].some((device) => device.returns === 0 || device.confirmedHere < SENDS_AFTER_RETURN) &&
      Date.now() - signalledAt < 30_000
    )
      await pause(50);
    talking = false;
    await Promise.all(conversation);
    await absorbing;

    assert.equal(exit.code, 0, `gateway 1 exited with ${JSON.stringify(exit)}:\n${gim.logs()}`);
    assert.ok(exit.ms < SHUTDOWN_TIMEOUT_MS, `gateway 1 exited ${exit.ms} ms after SIGTERM`);
    assert.ok(exit.ms >= DRAIN_WINDOW_MS / 2 - 100, `gateway 1 waited for its second wave (${exit.ms} ms)`);
    t.diagnostic(`gateway 1 exited 0 after ${exit.ms} ms; sends retried: A ${a.retried}, B ${b.retried}`);

    // The notices: 10407, a delay within the window, return times spread over it, each client back after it.
    const returns = [a, b].map((device) => {
      assert.equal(device.notices.length, 1, `${device.name} was closed once`);
      const notice = device.notices[0]!;
      assert.equal(notice.code, ErrorCode.ServerShutdown);
      assert.ok(notice.reconnectAfterMs <= DRAIN_WINDOW_MS, `${device.name}: ${notice.reconnectAfterMs} ms`);
      return notice.at - signalledAt + notice.reconnectAfterMs;
    });
    assert.ok(
      returns[1]! - returns[0]! >= DRAIN_WINDOW_MS / 2 - 150,
      `A and B come back half a window apart, not at once: ${returns.join(', ')} ms after SIGTERM`,
    );
    assert.equal(c.notices.length, 0, 'C, on the ws-gateway, stayed connected');
    for (const device of [a, b]) {
      assert.equal(device.returns, 1, `${device.name} came back`);
      assert.ok(device.confirmedHere >= SENDS_AFTER_RETURN, `${device.name} carried on on gateway 2`);
    }

    // Gateway 1 left presence: its lease is gone and no device is recorded on it.
    const leasesAfter = await leases();
    assert.equal(leasesAfter.length, 2);
    const [drained] = leasesBefore.filter((id) => !leasesAfter.includes(id));
    assert.ok(drained !== undefined);
    for (const device of devices) {
      const entries = await redis.hgetall(`${gim.redis!.prefix}pres:${device.session.userId}`);
      for (const location of Object.values(entries))
        assert.ok(!location.startsWith(`${drained}#`), `${device.name} is not recorded on gateway 1`);
    }

    // Every message stored once, and every client holds exactly its inbox.
    for (const device of devices) {
      const { messages: inbox } = await device.connection.syncAll(0, 0);
      assert.deepEqual(
        inbox.map((message) => message.seq),
        inbox.map((_, index) => index + 1),
        `${device.name}'s inbox has contiguous seqs from 1`,
      );
      const texts = inbox.map(chatText);
      const expected = sent
        .filter(({ from, to }) => from === device || to === device)
        .map(({ text }) => text)
        .sort();
      assert.deepEqual(
        [...texts].sort(),
        expected,
        `${device.name}'s inbox holds every message to or from it once`,
      );
      assert.equal(new Set(inbox.map((message) => message.messageId)).size, inbox.length);
      const deadline = Date.now() + 5_000;
      while (device.held.size < inbox.length && Date.now() < deadline) {
        await device.absorb();
        await pause(20);
      }
      const held = [...device.held.entries()].sort(([x], [y]) => x - y);
      assert.deepEqual(
        held,
        inbox.map((message) => [message.seq, message.messageId]),
        `${device.name} holds its whole inbox, by seq, nothing more`,
      );
    }
  });
});

void describe('draining standalone', { timeout: 120_000 }, () => {
  let gim: Deployment;
  let users: GrpcClient<businessUserExt.UserExtServiceClient>;
  const open: TestConnection[] = [];

  before(async () => {
    gim = await startStandalone({ env: { GIM_DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS) } });
    users = userExtClient(gim);
  });

  after(async () => {
    for (const connection of open) connection.close();
    users?.close();
    await gim?.stop();
  });

  void it('drains both gateways over one window while logic still serves, then stops the rest and exits 0', async () => {
    const sessions: Session[] = [];
    for (const phone of ['+8613700000711', '+8613700000712', '+8613700000713', '+8613700000714'])
      sessions.push(await phoneSignIn(users, phone));
    const [tcpFirst, tcpLast, wsFirst, wsLast] = await Promise.all(
      sessions.map(async (session, index) => {
        const connection =
          index < 2 ? await TestConnection.tcp(gim.ports.tcp) : await TestConnection.ws(gim.ports.ws);
        open.push(connection);
        assert.equal((await connection.signIn(session.userId, session.deviceId, session.token)).code, 0);
        return connection;
      }),
    );
    const signalledAt = Date.now();
    const exited = gim.stopProcess('standalone', 'SIGTERM', 30_000);
    const wsFirstClosed = wsFirst!.closed.then(() => Date.now() - signalledAt);
    const first = await tcpFirst!.closed;
    const firstClosedAfter = [Date.now() - signalledAt, await wsFirstClosed];
    assert.ok(
      firstClosedAfter.every((ms) => ms < DRAIN_WINDOW_MS / 2),
      `the first client of each gateway left at once, both gateways draining together: ${firstClosedAfter.join(', ')} ms`,
    );
    assert.equal(first.notice?.code, ErrorCode.ServerShutdown);
    const sent = await tcpLast!.send(sessions[2]!.userId, 'during-drain', 'sent while the gateways drain');
    assert.ok(sent.seq > 0, 'logic still stores messages while the gateways drain');
    const closes = await Promise.all([tcpLast!, wsFirst!, wsLast!].map((connection) => connection.closed));
    const exit = await exited;
    assert.equal(exit.code, 0, `standalone exited with ${JSON.stringify(exit)}:\n${gim.logs()}`);
    assert.ok(exit.ms < SHUTDOWN_TIMEOUT_MS, `exited ${exit.ms} ms after SIGTERM`);
    const delays = [first, ...closes].map((close) => {
      assert.equal(close.notice?.code, ErrorCode.ServerShutdown);
      return close.notice.reconnectAfterMs;
    });
    for (const delay of delays) assert.ok(delay <= DRAIN_WINDOW_MS, `delay ${delay} ms`);
    assert.ok(Date.now() - signalledAt >= DRAIN_WINDOW_MS / 2 - 100, 'the second of each gateway left later');
  });
});

void describe('draining business and logic (cluster)', { timeout: 180_000 }, () => {
  let gim: Deployment;
  let users: GrpcClient<businessUserExt.UserExtServiceClient>;
  const open: TestConnection[] = [];

  before(async () => {
    gim = await startCluster();
    users = userExtClient(gim);
  });

  after(async () => {
    for (const connection of open) connection.close();
    users?.close();
    await gim?.stop();
  });

  void it('exit 0 at once although a gateway holds its send stream open, and callers get a retryable answer', async (t) => {
    const a = await phoneSignIn(users, '+8613700000721');
    const b = await phoneSignIn(users, '+8613700000722');
    const connection = await TestConnection.tcp(gim.ports.tcp);
    open.push(connection);
    assert.equal((await connection.signIn(a.userId, a.deviceId, a.token)).code, 0);
    await connection.send(b.userId, 'before', 'the gateway opens its send stream to logic');

    const business = await gim.stopProcess('business');
    assert.equal(business.code, 0, gim.logs());
    const logic = await gim.stopProcess('logic');
    assert.equal(logic.code, 0, gim.logs());
    t.diagnostic(`business exited 0 after ${business.ms} ms, logic after ${logic.ms} ms`);
    assert.ok(
      logic.ms < 5_000,
      `logic ended the gateway's stream and exited after ${logic.ms} ms, not at the drain deadline`,
    );
    await assert.rejects(phoneSignIn(users, '+8613700000723'), 'business refuses once gone');
    await assert.rejects(connection.send(b.userId, 'after', 'logic is gone'), /send failed: 10500/);
  });
});
