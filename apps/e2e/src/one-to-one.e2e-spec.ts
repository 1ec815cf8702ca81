// The spine scenario, against both deployments: one-to-one messaging over TCP, WebSocket and gRPC, with
// multi-device delivery, paged sync, idempotent sends, acks, bad input, and a gateway killed mid-conversation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { businessFriend, businessUserExt, logicMessageExt, logicMessageInt, logicPush } from '@gim/contracts';
import { encodeVarint, Message, MessageCommand, PacketCommand, SendMessageRequest } from '@gim/protocol';
import { Metadata } from '@grpc/grpc-js';
import { ClientGrpcProxy } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import {
  createGrpcClient,
  GrpcClient,
  grpcClientOptions,
  grpcErrorToGim,
  identityMetadata,
  INTERNAL_METADATA_KEY,
} from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { connectSignedIn, phoneSignIn, type Session } from './support/sessions';
import { TestConnection } from './support/test-connection';

/** The text a pushed or synced one-to-one chat message carries. */
function chatText(message: Message): string {
  assert.equal(message.command, MessageCommand.MC_USER_CHAT);
  return Buffer.from(logicPush.UserMessagePush.decode(message.content).content).toString();
}

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`one-to-one messaging (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let friends: GrpcClient<businessFriend.FriendExtServiceClient>;
    const open: TestConnection[] = [];

    const signIn = (phoneNumber: string, deviceType = 1, deviceId = 0): Promise<Session> =>
      phoneSignIn(users, phoneNumber, { id: deviceId, type: deviceType });
    const connectAs = async (transport: 'tcp' | 'ws', session: Session): Promise<TestConnection> => {
      const connection = await connectSignedIn(gim, transport, session);
      open.push(connection);
      return connection;
    };

    before(async () => {
      gim = mode === 'cluster' ? await startCluster() : await startStandalone();
      const businessAddr = `127.0.0.1:${gim.ports.business}`;
      users = createGrpcClient({
        address: businessAddr,
        files: ['business/user.ext.proto'],
        service: 'business.UserExtService',
      });
      friends = createGrpcClient({
        address: businessAddr,
        files: ['business/friend.ext.proto'],
        service: 'business.FriendExtService',
      });
    });

    after(async () => {
      for (const connection of open) connection.close();
      users?.close();
      friends?.close();
      await gim?.stop();
    });

    it('delivers, syncs, deduplicates and survives a gateway kill', async (t) => {
      const a = await signIn('+8613800000001');
      const aWeb = { ...(await signIn('+8613800000001', 5)) };
      const b1 = await signIn('+8613800000002', 5);
      assert.equal(aWeb.userId, a.userId);
      assert.notEqual(aWeb.deviceId, a.deviceId);

      const aTcp = await connectAs('tcp', a);
      const aWs = await connectAs('ws', aWeb);
      let bWs = await connectAs('ws', b1);

      await t.test(
        'A sends to B over the connection; B gets it live with the next seq; A’s devices get it too',
        async () => {
          const sent = await aTcp.send(b1.userId, 'msg-1', 'hello B');
          assert.equal(sent.seq, 1);
          const [atB] = await bWs.waitForPushes(1);
          assert.equal(atB!.seq, 1);
          assert.equal(atB!.messageId, sent.messageId);
          assert.equal(chatText(atB!), 'hello B');
          const push = logicPush.UserMessagePush.decode(atB!.content);
          assert.equal(
            push.fromUser?.userId,
            a.userId,
            'the sender is the signed-in user, not something the client claimed',
          );
          assert.equal(push.toUserId, b1.userId);
          const [atAWeb] = await aWs.waitForPushes(1);
          assert.equal(atAWeb!.messageId, sent.messageId);
          assert.equal(atAWeb!.seq, 1);
          const [atATcp] = await aTcp.waitForPushes(1);
          assert.equal(atATcp!.seq, sent.seq, 'the sending device learns its own seq');
        },
      );

      await t.test('B answers through gRPC FriendExtService.SendMessage', async () => {
        const reply = await friends.sendMessage(
          { userId: a.userId, content: Buffer.from('hello A'), clientMsgId: 'grpc-1' },
          identityMetadata(b1),
        );
        assert.ok(reply.messageId > 0);
        const pushes = await aWs.waitForPushes(2);
        assert.equal(chatText(pushes[1]!), 'hello A');
        assert.equal(pushes[1]!.seq, 2);
        const atB = await bWs.waitForPushes(2);
        assert.equal(atB[1]!.seq, 2, "B's own WebSocket device receives its gRPC send");
      });

      await t.test('a retried send is stored once', async () => {
        const first = await aTcp.send(b1.userId, 'msg-2', 'once');
        const retry = await aTcp.send(b1.userId, 'msg-2', 'once');
        assert.deepEqual(retry, first);
        await bWs.waitForPushes(3);
        const next = await aTcp.send(b1.userId, 'msg-3', 'after the retry');
        const atB = await bWs.waitForPushes(4);
        assert.equal(atB[3]!.messageId, next.messageId);
        assert.deepEqual(
          atB.map((m) => m.seq),
          [1, 2, 3, 4],
          'the retry took no seq of the receiver',
        );
      });

      await t.test(
        "B's second device signs in later and syncs everything in order, page by page",
        async () => {
          for (let i = 4; i <= 7; i++) await aTcp.send(b1.userId, `msg-${i}`, `message ${i}`);
          await bWs.waitForPushes(8);
          const b2 = await signIn('+8613800000002', 1);
          const bTcp = await connectAs('tcp', b2);
          const { messages, pages } = await bTcp.syncAll(0, 3);
          assert.deepEqual(
            messages.map((m) => m.seq),
            [1, 2, 3, 4, 5, 6, 7, 8],
          );
          assert.equal(pages, 3);
          assert.deepEqual(messages.map(chatText), [
            'hello B',
            'hello A',
            'once',
            'after the retry',
            'message 4',
            'message 5',
            'message 6',
            'message 7',
          ]);
        },
      );

      await t.test('after the receiver acks, a sync from 0 starts after the ack', async () => {
        const ack = await bWs.ack(8);
        assert.equal(ack.code, 0);
        const b3 = await signIn('+8613800000002', 2);
        const fresh = await connectAs('tcp', b3);
        assert.deepEqual((await fresh.sync(0)).messages, []);
        await aTcp.send(b1.userId, 'msg-8', 'after the ack');
        const page = await fresh.sync(0);
        assert.deepEqual(
          page.messages.map((m) => m.seq),
          [9],
        );
        const beyond = await bWs.ack(1000);
        assert.equal(beyond.code, 10001, 'acking a seq the user never had is refused');
      });

      await t.test('bad input gets a clear error and the other connections keep working', async () => {
        const garbage = await TestConnection.tcp(gim.ports.tcp);
        open.push(garbage);
        const early = await garbage.request(PacketCommand.PC_HEARTBEAT);
        assert.equal(early.code, 10000, 'a packet before sign-in is refused with 10000');
        garbage.writeRaw(Buffer.concat([encodeVarint(4), Buffer.from([0xff, 0xff, 0xff, 0xff])]));
        const closed = await garbage.closed;
        assert.equal(
          closed.notice?.code,
          10400,
          `malformed frame closes with 10400, got ${JSON.stringify(closed)}`,
        );

        const oversized = await TestConnection.tcp(gim.ports.tcp);
        oversized.writeRaw(encodeVarint(10 * 1024 * 1024));
        assert.equal((await oversized.closed).notice?.code, 10401);

        const impostor = await TestConnection.ws(gim.ports.ws);
        open.push(impostor);
        const wrong = await impostor.signIn(b1.userId, b1.deviceId, 'not-the-token');
        assert.equal(wrong.code, 10000);
        await impostor.closed;
        const otherUsersToken = await (
          await TestConnection.tcp(gim.ports.tcp)
        ).signIn(b1.userId, a.deviceId, a.token);
        assert.equal(otherUsersToken.code, 10000, "another user's token does not sign in as B");

        const before = bWs.pushes.length;
        await aTcp.send(b1.userId, 'msg-9', 'still here');
        const atB = await bWs.waitForPushes(before + 1);
        assert.equal(chatText(atB.at(-1)!), 'still here');
      });

      await t.test(
        "naming another user's device at sign-in registers a new device and leaves the victim's untouched",
        async () => {
          const victim = await signIn('+8613800000005', 1);
          const victimWs = await connectAs('ws', victim);
          const attacker = await signIn('+8613800000006', 1, victim.deviceId);
          assert.notEqual(attacker.deviceId, victim.deviceId, 'the attacker got a device of its own');
          const again = await signIn('+8613800000006', 1, attacker.deviceId);
          assert.equal(again.deviceId, attacker.deviceId, 'a device keeps its id for its own user');
          const asVictimDevice = await (
            await TestConnection.tcp(gim.ports.tcp)
          ).signIn(attacker.userId, victim.deviceId, attacker.token);
          assert.equal(asVictimDevice.code, 10000, "the attacker's token does not open the victim's device");
          const sent = await aTcp.send(victim.userId, 'to-victim-1', 'for the victim only');
          const [live] = await victimWs.waitForPushes(1);
          assert.equal(
            live!.messageId,
            sent.messageId,
            "the victim's connection was neither kicked nor taken over",
          );
          assert.deepEqual(
            (await victimWs.sync(0)).messages.map((m) => m.messageId),
            [sent.messageId],
            "the victim's sync is intact: no foreign ack moved its starting point",
          );
        },
      );

      await t.test(
        'one rule for a message body on every path: empty is refused over the socket and gRPC',
        async () => {
          const pushesBefore = bWs.pushes.length;
          const overSocket = await aTcp.request(
            PacketCommand.PC_SEND_MESSAGE,
            SendMessageRequest.encode({
              clientMsgId: 'empty-1',
              toUserId: b1.userId,
              toGroupId: 0,
              toRoomId: 0,
              content: Buffer.alloc(0),
            }).finish(),
          );
          assert.equal(overSocket.code, 10001);
          assert.match(overSocket.message, /content/);
          await assert.rejects(
            friends.sendMessage(
              { userId: b1.userId, content: Buffer.alloc(0), clientMsgId: 'empty-2' },
              identityMetadata(a),
            ),
            { code: 10001 },
          );
          const tooBig = Buffer.alloc(56 * 1024 + 1, 0x61);
          await assert.rejects(
            friends.sendMessage(
              { userId: b1.userId, content: tooBig, clientMsgId: 'big-grpc' },
              identityMetadata(a),
            ),
            { code: 10001 },
          );
          const justRight = Buffer.alloc(40 * 1024, 0x61);
          const viaGrpc = await friends.sendMessage(
            { userId: b1.userId, content: justRight, clientMsgId: 'big-ok' },
            identityMetadata(a),
          );
          assert.ok(viaGrpc.messageId > 0, 'the gRPC path takes the same 56 KiB bodies as the socket');
          assert.equal((await bWs.waitForPushes(pushesBefore + 1)).at(-1)!.messageId, viaGrpc.messageId);
          await assert.rejects(
            friends.sendMessage(
              { userId: 999_999_999, content: Buffer.from('x'), clientMsgId: '' },
              identityMetadata(a),
            ),
            { code: 10301 },
          );
          const synced = await bWs.sync(0, 1_000_000);
          assert.ok(synced.messages.length > 0, 'a sync limit above the maximum is capped, not refused');
        },
      );

      await t.test(
        "an integrator's servers push through MessageIntService; clients sync over gRPC",
        async () => {
          const logicAddr = `127.0.0.1:${gim.ports.logic}`;
          const files = ['logic/message.int.proto'];
          const service = 'logic.MessageIntService';
          const outsider = createGrpcClient<logicMessageInt.MessageIntServiceClient>({
            address: logicAddr,
            files,
            service,
          });
          const integrator = createGrpcClient<logicMessageInt.MessageIntServiceClient>({
            address: logicAddr,
            files,
            service,
            internalSecret: gim.internalSecret,
          });
          const ext = createGrpcClient<logicMessageExt.MessageExtServiceClient>({
            address: logicAddr,
            files: ['logic/message.ext.proto'],
            service: 'logic.MessageExtService',
          });
          try {
            const push = {
              userIds: [b1.userId],
              command: MessageCommand.MC_USER_MESSAGE,
              content: Buffer.from('notice'),
              isPersist: true,
              appId: 0,
            };
            await assert.rejects(
              outsider.pushToUsers(push),
              { code: 10000 },
              'an internal service refuses callers without the credential',
            );
            const seqBefore = Math.max(...bWs.pushes.map((m) => m.seq));
            const pushesBefore = bWs.pushes.length;
            const stored = await integrator.pushToUsers(push);
            assert.ok(stored.messageId > 0);
            const persisted = (await bWs.waitForPushes(pushesBefore + 1)).at(-1)!;
            assert.equal(persisted.messageId, stored.messageId);
            assert.equal(persisted.seq, seqBefore + 1);

            const transient = await integrator.pushToUsers({
              ...push,
              content: Buffer.from('typing'),
              isPersist: false,
            });
            assert.equal(transient.messageId, 0);
            const live = (await bWs.waitForPushes(pushesBefore + 2)).at(-1)!;
            assert.equal(live.seq, 0, 'a push that is not persisted takes no seq');
            assert.equal(Buffer.from(live.content).toString(), 'typing');

            const aWsBefore = aWs.pushes.length;
            await integrator.pushToAll({
              command: MessageCommand.MC_UNKNOWN,
              content: Buffer.from('maintenance at noon'),
            });
            const everyone = (await aWs.waitForPushes(aWsBefore + 1)).at(-1)!;
            assert.equal(Buffer.from(everyone.content).toString(), 'maintenance at noon');

            const synced = await ext.sync({ seq: seqBefore, limit: 10 }, identityMetadata(b1));
            assert.deepEqual(
              synced.messages.map((m) => m.messageId),
              [stored.messageId],
              'sync over gRPC returns the persisted push and not the transient one',
            );
            await assert.rejects(
              ext.sync({ seq: 0, limit: 10 }, identityMetadata({ ...b1, token: 'forged' })),
              { code: 10000 },
            );
            await assert.rejects(integrator.pushToUsers({ ...push, userIds: [] }), { code: 10001 });
          } finally {
            outsider.close();
            integrator.close();
            ext.close();
          }
        },
      );

      await t.test(
        "the gateways' send stream refuses callers without the credential and answers each batch by id",
        async () => {
          const proxy = new ClientGrpcProxy(
            grpcClientOptions(`127.0.0.1:${gim.ports.logic}`, ['logic'], ['logic/message.int.proto']).options,
          );
          const streams = proxy.getService<logicMessageInt.MessageIntServiceClient>('MessageIntService');
          const batch = (batchId: number, clientMsgId: string, toUserId = b1.userId) => ({
            batchId,
            timeoutMs: 0,
            sends: [
              {
                userId: a.userId,
                deviceId: a.deviceId,
                toUserId,
                toGroupId: 0,
                clientMsgId,
                content: Buffer.from(clientMsgId),
              },
            ],
          });
          const credential = (secret: string) => {
            const metadata = new Metadata();
            if (secret) metadata.set(INTERNAL_METADATA_KEY, secret);
            return metadata;
          };
          try {
            for (const secret of ['', 'not-the-internal-secret']) {
              await assert.rejects(
                firstValueFrom(
                  streams.sendUserMessageStream(of(batch(1, 'stream-forged')), credential(secret)),
                ),
                (error: unknown) => (grpcErrorToGim(error) as { code?: number }).code === 10000,
                'an internal stream refuses callers without the credential',
              );
            }
            const pushesBefore = bWs.pushes.length;
            const replies = await lastValueFrom(
              streams
                .sendUserMessageStream(
                  of(batch(7, 'stream-1'), batch(8, 'stream-1'), batch(9, 'stream-2', 999_999_999)),
                  credential(gim.internalSecret),
                )
                .pipe(toArray()),
            );
            const byId = new Map(replies.map((reply) => [reply.batchId, reply]));
            assert.deepEqual([...byId.keys()].sort(), [7, 8, 9], 'every batch is answered once, by its id');
            const first = byId.get(7)?.results[0];
            const retry = byId.get(8)?.results[0];
            assert.equal(first?.code, 0);
            assert.equal(retry?.code, 0);
            assert.equal(
              retry?.reply?.messageId,
              first?.reply?.messageId,
              'a retried client id is stored once',
            );
            assert.equal(byId.get(9)?.results[0]?.code, 10301, 'an unknown receiver is refused on its own');
            const pushed = (await bWs.waitForPushes(pushesBefore + 1)).at(-1)!;
            assert.equal(chatText(pushed), 'stream-1');
          } finally {
            proxy.close();
          }
        },
      );

      await t.test(
        'a gateway killed mid-conversation loses nothing: the device syncs what it missed',
        async () => {
          const held = Math.max(...bWs.pushes.map((m) => m.seq));
          await gim.killAndRestartWsGateway();
          await bWs.closed;
          // In standalone mode the whole process restarted: A reconnects too.
          const sender = mode === 'standalone' ? await connectAs('tcp', a) : aTcp;
          const sent: number[] = [];
          for (let i = 0; i < 5; i++)
            sent.push((await sender.send(b1.userId, `missed-${i}`, `missed ${i}`)).messageId);
          bWs = await connectAs('ws', b1);
          const { messages } = await bWs.syncAll(held, 2);
          assert.deepEqual(
            messages.map((m) => m.messageId),
            sent,
          );
          assert.deepEqual(
            messages.map((m) => m.seq),
            [held + 1, held + 2, held + 3, held + 4, held + 5],
            'seqs continue without a gap or a reuse after the restart',
          );
        },
      );

      await t.test('large messages sync in pages that each fit a client frame', async () => {
        const sender = await connectAs('tcp', a);
        const receiver = await connectAs('tcp', await signIn('+8613800000002', 4));
        const from = Math.max(...(await receiver.syncAll(0, 0)).messages.map((m) => m.seq), 0);
        const big = 'x'.repeat(40 * 1024);
        for (let i = 0; i < 3; i++) await sender.send(b1.userId, `big-${i}`, `${i}${big}`);
        const { messages, pages } = await receiver.syncAll(from, 0);
        assert.deepEqual(
          messages.map((m) => chatText(m).slice(0, 1)),
          ['0', '1', '2'],
        );
        assert.equal(pages, 3, 'each 40 KiB message comes on its own page under the 64 KiB frame limit');
      });
    });
  });
}
