// Rooms, against both deployments: subscribers on both gateways receive integrator pushes and users' room
// messages in room seq order; a subscriber that reconnects with its last seq gets exactly what it missed, then
// live messages; a seq the history no longer holds is told (10231); users' sends are limited to their room and
// rate; SubscribeRoom moves only a connected device of the named user; in the cluster a gateway listens to a
// room's channel only while one of its connections is in the room.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { businessUserExt, logicPush, logicRoom } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import {
  Message,
  MessageCommand,
  PacketCommand,
  Reply,
  SendMessageReply,
  SubscribeRoomReply,
} from '@gim/protocol';
import { createGrpcClient, type GrpcClient } from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { connectSignedIn, phoneSignIn, type Session, userExtClient } from './support/sessions';
import { TestConnection } from './support/test-connection';

/** History bound of the deployments under test, so a test can outrun it. */
const HISTORY = 20;

const text = (message: Message): string => Buffer.from(message.content).toString();

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`rooms (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let rooms: GrpcClient<logicRoom.RoomIntServiceClient>;
    const open: TestConnection[] = [];
    let phone = 13_700_000_000 + Math.floor(Math.random() * 90_000_000);
    let nextRoom = 1000 + Math.floor(Math.random() * 1_000_000);

    const signIn = (): Promise<Session> => phoneSignIn(users, String(phone++));
    const connect = async (transport: 'tcp' | 'ws', session: Session): Promise<TestConnection> => {
      const connection = await connectSignedIn(gim, transport, session);
      open.push(connection);
      return connection;
    };
    const join = async (connection: TestConnection, roomId: number, seq = 0): Promise<SubscribeRoomReply> => {
      const { reply, room } = await connection.subscribeRoom(roomId, seq);
      assert.equal(reply.code, 0, reply.message);
      return room;
    };
    const push = (roomId: number, content: string, isPriority = false) =>
      rooms.pushRoom({
        roomId,
        command: MessageCommand.MC_UNKNOWN,
        content: Buffer.from(content),
        sendTime: 0,
        isPriority,
      });
    const roomPushes = (connection: TestConnection, roomId: number): Message[] =>
      connection.pushes.filter((message) => message.roomId === roomId);

    before(async () => {
      const env = { GIM_ROOM_HISTORY_MAX: String(HISTORY), GIM_ROOM_SEND_PER_SECOND: '5' };
      gim = mode === 'cluster' ? await startCluster({ env }) : await startStandalone({ env });
      users = userExtClient(gim);
      rooms = createGrpcClient({
        address: `127.0.0.1:${gim.ports.logic}`,
        files: ['logic/room.int.proto'],
        service: 'logic.RoomIntService',
        internalSecret: gim.internalSecret,
      });
    });

    after(async () => {
      for (const connection of open) connection.close();
      users?.close();
      rooms?.close();
      await gim?.stop();
    });

    void it('delivers room messages to subscribers on both gateways; a returning subscriber gets exactly what it missed, then live ones', async () => {
      const roomId = nextRoom++;
      const [ann, ben, cat] = [await signIn(), await signIn(), await signIn()];
      const annTcp = await connect('tcp', ann);
      const benWs = await connect('ws', ben);
      let catTcp = await connect('tcp', cat);
      for (const connection of [annTcp, benWs, catTcp])
        assert.equal((await join(connection, roomId)).missed, false);

      for (let i = 1; i <= 5; i++) await push(roomId, `m${i}`, i === 3);
      for (const connection of [annTcp, benWs, catTcp]) await connection.waitForPushes(5);
      const firstFive = roomPushes(annTcp, roomId);
      assert.deepEqual(firstFive.map(text), ['m1', 'm2', 'm3', 'm4', 'm5']);
      const seqs = firstFive.map((message) => message.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => (seqs[0] ?? 0) + i),
        'contiguous room seqs',
      );
      assert.deepEqual(
        roomPushes(benWs, roomId),
        firstFive,
        'the WebSocket subscriber saw the same messages',
      );
      assert.deepEqual(roomPushes(catTcp, roomId), firstFive);
      const catHeld = catTcp.pushes.at(-1)?.seq ?? 0;

      catTcp.close();
      await catTcp.closed;
      for (let i = 6; i <= 8; i++) await push(roomId, `m${i}`);
      await annTcp.waitForPushes(8);

      catTcp = await connect('tcp', cat);
      const pushing = (async () => {
        for (let i = 9; i <= 30; i++) await push(roomId, `m${i}`, i % 4 === 0);
      })();
      const resumed = await join(catTcp, roomId, catHeld);
      assert.equal(resumed.missed, false);
      await pushing;
      await catTcp.waitForPushes(25);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(
        roomPushes(catTcp, roomId).map(text),
        Array.from({ length: 25 }, (_, i) => `m${i + 6}`),
        'exactly the missed ones, then the live ones: no gap, no duplicate',
      );
      await benWs.waitForPushes(30);
      assert.deepEqual(roomPushes(catTcp, roomId), roomPushes(benWs, roomId).slice(5));
    });

    void it('tells a subscriber whose seq the history no longer holds (10231) and replays what it still has', async () => {
      const roomId = nextRoom++;
      const dan = await signIn();
      const watcher = await connect('ws', dan);
      await join(watcher, roomId);
      for (let i = 1; i <= HISTORY + 5; i++) await push(roomId, `h${i}`);
      await watcher.waitForPushes(HISTORY + 5);
      const oldest = watcher.pushes[0]?.seq ?? 0;

      const late = await connect('tcp', await signIn());
      const { reply, room } = await late.subscribeRoom(roomId, oldest);
      assert.equal(reply.code, ErrorCode.RoomHistoryGap, reply.message);
      assert.match(reply.message, /older than the room's history/);
      assert.equal(room.missed, true);
      assert.equal(room.firstSeq, oldest + 5, 'the history holds the last 20 of 25');
      await late.waitForPushes(HISTORY);
      assert.deepEqual(
        late.pushes.map(text),
        Array.from({ length: HISTORY }, (_, i) => `h${i + 6}`),
      );

      const fresh = await connect('ws', await signIn());
      const live = await join(fresh, roomId);
      assert.equal(live.lastSeq, watcher.pushes.at(-1)?.seq, 'seq 0 joins live, told where the room stands');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(fresh.pushes.length, 0, 'seq 0 replays nothing');

      const held = await connect('tcp', await signIn());
      const ahead = await held.subscribeRoom(roomId, (watcher.pushes.at(-1)?.seq ?? 0) + 1000);
      assert.equal(
        ahead.reply.code,
        ErrorCode.RoomHistoryGap,
        'a seq the room never gave means its history was lost',
      );
      assert.match(ahead.reply.message, /history was lost/);
    });

    void it('lets a user send to the room it is in, at the per-user rate, and refuses other rooms', async () => {
      const roomId = nextRoom++;
      const [eve, fay] = [await signIn(), await signIn()];
      const eveTcp = await connect('tcp', eve);
      const fayWs = await connect('ws', fay);
      const before = await eveTcp.sendToRoom(roomId, 'c-0', 'too early');
      assert.equal(before.code, ErrorCode.RoomNotJoined);
      await join(eveTcp, roomId);
      await join(fayWs, roomId);
      const sent = await eveTcp.sendToRoom(roomId, 'c-1', 'hello room');
      assert.equal(sent.code, 0, sent.message);
      const [received] = await fayWs.waitForPushes(1);
      assert.equal(received?.command, MessageCommand.MC_ROOM_CHAT);
      assert.equal(received?.seq, SendMessageReply.decode(sent.data).seq);
      const body = logicPush.RoomMessagePush.decode(received?.content ?? Buffer.alloc(0));
      assert.deepEqual(
        [body.fromUser?.userId, body.roomId, Buffer.from(body.content).toString()],
        [eve.userId, roomId, 'hello room'],
      );
      const retry = await eveTcp.sendToRoom(roomId, 'c-1', 'hello room');
      assert.equal(
        SendMessageReply.decode(retry.data).seq,
        SendMessageReply.decode(sent.data).seq,
        'a retry is sent once',
      );
      assert.equal((await eveTcp.sendToRoom(roomId + 1, 'c-2', 'elsewhere')).code, ErrorCode.RoomNotJoined);

      const burst = await Promise.all(
        Array.from({ length: 8 }, (_, i) => eveTcp.sendToRoom(roomId, `b-${i}`, `b${i}`)),
      );
      const codes = burst.map((reply: Reply) => reply.code);
      assert.ok(codes.includes(ErrorCode.RoomRateLimited), `over 5 a second is refused: ${codes.join(',')}`);
      assert.ok(codes.filter((code) => code === 0).length <= 5);
    });

    void it('moves only a connected device of the named user with SubscribeRoom, and refuses callers without a credential', async () => {
      const roomId = nextRoom++;
      const [gus, hal] = [await signIn(), await signIn()];
      const gusWs = await connect('ws', gus);
      await rooms.subscribeRoom({ userId: gus.userId, deviceId: gus.deviceId, roomId, seq: 0 });
      await until(() => gusWs.unsolicited.length > 0, 'the subscription reply');
      const [notice] = gusWs.unsolicited;
      assert.equal(notice?.command, PacketCommand.PC_SUBSCRIBE_ROOM);
      assert.equal(
        SubscribeRoomReply.decode(Reply.decode(notice?.content ?? Buffer.alloc(0)).data).roomId,
        roomId,
      );
      await push(roomId, 'moved in', true);
      assert.deepEqual((await gusWs.waitForPushes(1)).map(text), ['moved in']);

      await assert.rejects(
        rooms.subscribeRoom({ userId: hal.userId, deviceId: gus.deviceId, roomId, seq: 0 }),
        { code: ErrorCode.ConnectionNotFound },
        "another user's device",
      );
      await assert.rejects(
        rooms.subscribeRoom({ userId: hal.userId, deviceId: hal.deviceId, roomId, seq: 0 }),
        { code: ErrorCode.ConnectionNotFound },
        'a device that is not connected',
      );
      await assert.rejects(
        rooms.subscribeRoom({ userId: gus.userId, deviceId: gus.deviceId, roomId: 2 ** 60, seq: 0 }),
        {
          code: ErrorCode.BadRequest,
        },
      );
      await assert.rejects(push(0, 'no room'), { code: ErrorCode.BadRequest });

      const anonymous = createGrpcClient<logicRoom.RoomIntServiceClient>({
        address: `127.0.0.1:${gim.ports.logic}`,
        files: ['logic/room.int.proto'],
        service: 'logic.RoomIntService',
      });
      try {
        const refused = { code: ErrorCode.Unauthorized };
        await assert.rejects(
          anonymous.pushRoom({
            roomId,
            command: 0,
            content: Buffer.from('x'),
            sendTime: 0,
            isPriority: true,
          }),
          refused,
        );
        await assert.rejects(anonymous.readRoomHistory({ appId: 1, roomId, seq: 1, limit: 0 }), refused);
        await assert.rejects(
          anonymous.sendRoomMessage({
            userId: gus.userId,
            deviceId: gus.deviceId,
            appId: 1,
            roomId,
            clientMsgId: '',
            content: Buffer.from('x'),
          }),
          refused,
        );
      } finally {
        anonymous.close();
      }
    });

    void it(
      'listens to a room channel only on gateways holding a subscriber, and tells a subscriber when the history was lost',
      { skip: mode === 'standalone' ? 'one process, no Redis channels to count' : false },
      async () => {
        const redisInfo = gim.redis;
        assert.ok(redisInfo);
        const redis = new Redis(redisInfo.url);
        try {
          const roomId = nextRoom++;
          const channel = `${redisInfo.prefix}room:1:${roomId}`;
          const listeners = async (): Promise<number> => {
            const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
            return Number(count);
          };
          assert.equal(await listeners(), 0);
          const tcpOne = await connect('tcp', await signIn());
          const tcpTwo = await connect('tcp', await signIn());
          await join(tcpOne, roomId);
          await join(tcpTwo, roomId);
          assert.equal(
            await listeners(),
            1,
            'the TCP gateway listens once for both; the WebSocket gateway does not',
          );
          const ws = await connect('ws', await signIn());
          await join(ws, roomId);
          assert.equal(await listeners(), 2);
          await push(roomId, 'r1', true);
          await ws.waitForPushes(1);
          const held = ws.pushes[0]?.seq ?? 0;

          ws.close();
          await until(async () => (await listeners()) === 1, 'the WebSocket gateway to stop listening');
          await tcpOne.subscribeRoom(0);
          assert.equal(await listeners(), 1);
          tcpTwo.close();
          await until(async () => (await listeners()) === 0, 'the TCP gateway to stop listening');
          await push(roomId, 'r2', true);

          // Only the room's state is lost (evicted or expired alone): its history list must not survive into a new one.
          assert.equal(await redis.del(`${redisInfo.prefix}room:{1:${roomId}}:m`), 1);
          const back = await connect('ws', await signIn());
          const { reply, room } = await back.subscribeRoom(roomId, held);
          assert.equal(reply.code, ErrorCode.RoomHistoryGap);
          assert.match(reply.message, /history was lost/);
          assert.deepEqual(
            [room.missed, room.lastSeq, room.firstSeq],
            [true, 0, 1],
            'an empty history: first_seq is last_seq + 1',
          );
          await push(roomId, 'after the loss', true);
          const [next] = await back.waitForPushes(1);
          assert.equal(next && text(next), 'after the loss', 'nothing of the lost history is replayed');
          assert.ok((next?.seq ?? 0) > held, 'a new history starts above every earlier seq');
        } finally {
          redis.disconnect();
        }
      },
    );
  });
}
