// Friends, against both deployments under the friends-only messaging rule, and the default rule (anyone) on
// standalone: a request reaches a TCP device live and a WebSocket device by sync, agreement, lists, remarks,
// refusal, deletion, blocks, who may message whom on the socket and over gRPC (both ways), calls that race, and
// every call refused without a valid sign-in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { businessFriend, businessUserExt } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { type Message, MessageCommand } from '@gim/protocol';
import { createGrpcClient, identityMetadata, type GrpcClient } from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { connectSignedIn, phoneSignIn, type Session } from './support/sessions';
import { TestConnection } from './support/test-connection';

const notices = (messages: readonly Message[], command: MessageCommand): Message[] =>
  messages.filter((message) => message.command === command);

const runs = [
  { mode: 'cluster', rule: 'friends' },
  { mode: 'standalone', rule: 'friends' },
  { mode: 'standalone', rule: 'anyone' },
] as const;

for (const { mode, rule } of runs) {
  describe(`friends (${mode}, messaging rule ${rule})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let friends: GrpcClient<businessFriend.FriendExtServiceClient>;
    const open: TestConnection[] = [];
    let phone = 13_600_000_000 + Math.floor(Math.random() * 90_000_000);

    const signIn = (number = String(phone++)): Promise<Session> => phoneSignIn(users, number);
    const connect = async (transport: 'tcp' | 'ws', session: Session): Promise<TestConnection> => {
      const connection = await connectSignedIn(gim, transport, session);
      open.push(connection);
      return connection;
    };
    const as = (session: Session): Metadata => identityMetadata(session);
    const sendCode = async (connection: TestConnection, to: number, id: string): Promise<number> =>
      connection.send(to, id, `text ${id}`).then(
        () => 0,
        (error: Error) => Number(/send failed: (\d+)/.exec(error.message)?.[1] ?? -1),
      );
    // The code FriendExtService.SendMessage answers (0 when stored).
    const grpcSendCode = async (from: Session, to: number, id: string): Promise<number> =>
      friends.sendMessage({ userId: to, content: Buffer.from(`text ${id}`), clientMsgId: id }, as(from)).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    // The codes of a→b on the socket, a→b over gRPC, b→a on the socket, b→a over gRPC.
    const sendCodesBetween = async (
      a: Session,
      aConnection: TestConnection,
      b: Session,
      bConnection: TestConnection,
      tag: string,
    ): Promise<number[]> => [
      await sendCode(aConnection, b.userId, `${tag}-a-socket`),
      await grpcSendCode(a, b.userId, `${tag}-a-grpc`),
      await sendCode(bConnection, a.userId, `${tag}-b-socket`),
      await grpcSendCode(b, a.userId, `${tag}-b-grpc`),
    ];

    before(async () => {
      const env: Record<string, string> = rule === 'friends' ? { GIM_MESSAGING_RULE: 'friends' } : {};
      gim = mode === 'cluster' ? await startCluster({ env }) : await startStandalone({ env });
      const address = `127.0.0.1:${gim.ports.business}`;
      users = createGrpcClient({
        address,
        files: ['business/user.ext.proto'],
        service: 'business.UserExtService',
      });
      friends = createGrpcClient({
        address,
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

    if (rule === 'friends') {
      void it('makes two users friends: request live and by sync, agreement, lists, and the messaging rule both ways', async () => {
        const annPhone = String(phone++);
        const benPhone = String(phone++);
        const ann = await signIn(annPhone);
        const ben = await signIn(benPhone);
        const benLaptop = await signIn(benPhone);
        const annTcp = await connect('tcp', ann);
        const benTcp = await connect('tcp', ben);

        const strangers = new Array<number>(4).fill(ErrorCode.FriendNotFound);
        assert.deepEqual(
          await sendCodesBetween(ann, annTcp, ben, benTcp, 'early'),
          strangers,
          'no friendship, no message: either way, socket or gRPC',
        );

        await friends.add({ friendId: ben.userId, remarks: 'Ben', description: 'hi, it is Ann' }, as(ann));
        const [request] = await benTcp.waitForPushes(1);
        assert.equal(request?.command, MessageCommand.MC_ADD_FRIEND);
        const asked = businessFriend.AddFriendPush.decode(request?.content ?? Buffer.alloc(0));
        assert.deepEqual([asked.friendId, asked.description], [ann.userId, 'hi, it is Ann']);
        const benWs = await connect('ws', benLaptop);
        const synced = notices((await benWs.syncAll(0, 0)).messages, MessageCommand.MC_ADD_FRIEND);
        assert.equal(synced.length, 1, 'the other device gets the request by sync');
        assert.equal(synced[0]?.seq, request?.seq);

        const waiting = await friends.getRequests({}, as(ben));
        assert.deepEqual(
          waiting.received.map((each) => [each.userId, each.description]),
          [[ann.userId, 'hi, it is Ann']],
        );
        assert.deepEqual(
          (await friends.getRequests({}, as(ann))).sent.map((each) => each.userId),
          [ben.userId],
        );
        await assert.rejects(friends.add({ friendId: ben.userId, remarks: '', description: '' }, as(ann)), {
          code: ErrorCode.FriendRequestWaiting,
        });
        await assert.rejects(friends.add({ friendId: ann.userId, remarks: '', description: '' }, as(ann)), {
          code: ErrorCode.FriendSelf,
        });
        await assert.rejects(friends.add({ friendId: 9_999_999, remarks: '', description: '' }, as(ann)), {
          code: ErrorCode.UserNotFound,
        });
        await assert.rejects(friends.agree({ userId: ben.userId, remarks: '' }, as(ann)), {
          code: ErrorCode.FriendNotFound,
        });
        await assert.rejects(friends.agree({ userId: ann.userId, remarks: '' }, as(ann)), {
          code: ErrorCode.FriendSelf,
        });
        assert.deepEqual(
          await sendCodesBetween(ann, annTcp, ben, benTcp, 'asked'),
          strangers,
          'a waiting request is no friendship',
        );

        await friends.agree({ userId: ann.userId, remarks: 'Ann' }, as(ben));
        const [agreed] = notices(await annTcp.waitForPushes(1), MessageCommand.MC_AGREE_ADD_FRIEND);
        assert.equal(
          businessFriend.AgreeAddFriendPush.decode(agreed?.content ?? Buffer.alloc(0)).friendId,
          ben.userId,
        );
        const annFriends = await friends.getFriends({}, as(ann));
        assert.deepEqual(
          annFriends.friends.map((each) => [each.userId, each.remarks]),
          [[ben.userId, 'Ben']],
        );
        assert.deepEqual(
          (await friends.getFriends({}, as(ben))).friends.map((each) => [each.userId, each.remarks]),
          [[ann.userId, 'Ann']],
        );
        assert.deepEqual((await friends.getRequests({}, as(ben))).received, []);
        await assert.rejects(friends.add({ friendId: ben.userId, remarks: '', description: '' }, as(ann)), {
          code: ErrorCode.AlreadyFriends,
        });
        await assert.rejects(friends.agree({ userId: ann.userId, remarks: '' }, as(ben)), {
          code: ErrorCode.AlreadyFriends,
        });
        await assert.rejects(friends.refuse({ userId: ann.userId }, as(ben)), {
          code: ErrorCode.AlreadyFriends,
        });

        assert.deepEqual(await sendCodesBetween(ann, annTcp, ben, benTcp, 'friends'), [0, 0, 0, 0]);
        const sent = await friends.sendMessage(
          { userId: ben.userId, content: Buffer.from('over gRPC'), clientMsgId: 'grpc-1' },
          as(ann),
        );
        assert.ok(sent.messageId > 0);

        const set = await friends.set(
          { friendId: ben.userId, remarks: 'Benjamin', extra: '{"star":true}' },
          as(ann),
        );
        assert.deepEqual([set.remarks, set.extra], ['Benjamin', '{"star":true}']);
        assert.equal((await friends.getFriends({}, as(ann))).friends[0]?.remarks, 'Benjamin');
        await assert.rejects(friends.set({ friendId: 9_999_999, remarks: '', extra: '' }, as(ann)), {
          code: ErrorCode.UserNotFound,
        });

        await friends.delete({ friendId: ann.userId }, as(ben));
        assert.deepEqual((await friends.getFriends({}, as(ann))).friends, []);
        assert.deepEqual(await sendCodesBetween(ann, annTcp, ben, benTcp, 'ended'), strangers);
        await assert.rejects(friends.delete({ friendId: ann.userId }, as(ben)), {
          code: ErrorCode.FriendNotFound,
        });
      });

      void it('refuses, withdraws and blocks: a blocked user can neither ask nor message, both ways', async () => {
        const [cat, dan, eve] = [await signIn(), await signIn(), await signIn()];
        const catTcp = await connect('tcp', cat);
        const danWs = await connect('ws', dan);

        await friends.add({ friendId: dan.userId, remarks: '', description: 'cat here' }, as(cat));
        await friends.refuse({ userId: cat.userId }, as(dan));
        assert.deepEqual((await friends.getRequests({}, as(cat))).sent, []);
        await assert.rejects(friends.refuse({ userId: cat.userId }, as(dan)), {
          code: ErrorCode.FriendNotFound,
        });

        await friends.add({ friendId: dan.userId, remarks: '', description: 'again' }, as(eve));
        await friends.delete({ friendId: dan.userId }, as(eve));
        assert.deepEqual(
          (await friends.getRequests({}, as(dan))).received,
          [],
          'a withdrawn request is gone',
        );

        await friends.add({ friendId: dan.userId, remarks: '', description: '' }, as(cat));
        await friends.add({ friendId: cat.userId, remarks: '', description: '' }, as(dan));
        assert.deepEqual(
          (await friends.getFriends({}, as(cat))).friends.map((each) => each.userId),
          [dan.userId],
          'asking someone who already asked you makes you friends',
        );
        assert.equal(await sendCode(catTcp, dan.userId, 'c-1'), 0);

        await friends.block({ userId: cat.userId }, as(dan));
        assert.deepEqual((await friends.getBlocked({}, as(dan))).userIds, [cat.userId]);
        assert.deepEqual(
          await sendCodesBetween(cat, catTcp, dan, danWs, 'blocked'),
          new Array<number>(4).fill(ErrorCode.Blocked),
          'a block refuses messages both ways, socket and gRPC, friends or not',
        );
        await friends.delete({ friendId: cat.userId }, as(dan));
        await assert.rejects(friends.add({ friendId: dan.userId, remarks: '', description: '' }, as(cat)), {
          code: ErrorCode.Blocked,
        });
        await assert.rejects(friends.block({ userId: dan.userId }, as(dan)), { code: ErrorCode.FriendSelf });

        await friends.unblock({ userId: cat.userId }, as(dan));
        assert.deepEqual((await friends.getBlocked({}, as(dan))).userIds, []);
        await friends.add({ friendId: dan.userId, remarks: '', description: 'after the block' }, as(cat));
        await assert.rejects(friends.unblock({ userId: cat.userId }, as(dan)), {
          code: ErrorCode.FriendNotFound,
        });
      });

      void it('stores one of many concurrent requests, and an agreement racing a withdrawal whole or not at all', async () => {
        const [gil, hana] = [await signIn(), await signIn()];
        const hanaTcp = await connect('tcp', hana);
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            friends.add({ friendId: hana.userId, remarks: '', description: `try ${i}` }, as(gil)).then(
              () => 0,
              (error: { code?: number }) => error.code ?? -1,
            ),
          ),
        );
        assert.deepEqual(
          [...outcomes].sort((a, b) => a - b),
          [0, ...new Array<number>(5).fill(ErrorCode.FriendRequestWaiting)],
        );
        await hanaTcp.waitForPushes(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(
          notices(hanaTcp.pushes, MessageCommand.MC_ADD_FRIEND).length,
          1,
          'one request, one notice',
        );
        assert.equal((await friends.getRequests({}, as(hana))).received.length, 1);

        for (let round = 0; round < 5; round++) {
          const [asker, accepter] = [await signIn(), await signIn()];
          await friends.add({ friendId: accepter.userId, remarks: '', description: '' }, as(asker));
          const [agreed] = await Promise.all([
            friends.agree({ userId: asker.userId, remarks: '' }, as(accepter)).then(
              () => 0,
              (error: { code?: number }) => error.code ?? -1,
            ),
            friends.delete({ friendId: accepter.userId }, as(asker)),
          ]);
          assert.ok(agreed === 0 || agreed === ErrorCode.FriendNotFound, `agree answered ${agreed}`);
          const askerSees = (await friends.getFriends({}, as(asker))).friends.map((each) => each.userId);
          const accepterSees = (await friends.getFriends({}, as(accepter))).friends.map(
            (each) => each.userId,
          );
          assert.equal(
            askerSees.length,
            accepterSees.length,
            `round ${round}: a friendship has both sides or none`,
          );
          if (agreed !== 0)
            assert.deepEqual(accepterSees, [], `round ${round}: a refused agreement stores nothing`);
        }
      });

      void it('makes two users who ask each other at the same moment friends', async () => {
        for (let round = 0; round < 5; round++) {
          const [kim, lee] = [await signIn(), await signIn()];
          await Promise.all([
            friends.add({ friendId: lee.userId, remarks: 'lee', description: '' }, as(kim)),
            friends.add({ friendId: kim.userId, remarks: 'kim', description: '' }, as(lee)),
          ]);
          const kimSees = (await friends.getFriends({}, as(kim))).friends.map((each) => each.userId);
          const leeSees = (await friends.getFriends({}, as(lee))).friends.map((each) => each.userId);
          assert.deepEqual([kimSees, leeSees], [[lee.userId], [kim.userId]], `round ${round}`);
          const pending = await friends.getRequests({}, as(kim));
          assert.deepEqual(
            [pending.received.length, pending.sent.length],
            [0, 0],
            `round ${round}: no request left`,
          );
        }
      });

      void it('refuses every call without metadata or with a forged token (10000)', async () => {
        const [ivy, jon] = [await signIn(), await signIn()];
        const calls: Record<
          keyof businessFriend.FriendExtServiceClient,
          (metadata?: Metadata) => Promise<unknown>
        > = {
          sendMessage: (metadata) =>
            friends.sendMessage(
              { userId: jon.userId, content: Buffer.from('x'), clientMsgId: 'no-auth' },
              metadata,
            ),
          add: (metadata) => friends.add({ friendId: jon.userId, remarks: '', description: '' }, metadata),
          agree: (metadata) => friends.agree({ userId: jon.userId, remarks: '' }, metadata),
          set: (metadata) => friends.set({ friendId: jon.userId, remarks: '', extra: '' }, metadata),
          getFriends: (metadata) => friends.getFriends({}, metadata),
          refuse: (metadata) => friends.refuse({ userId: jon.userId }, metadata),
          delete: (metadata) => friends.delete({ friendId: jon.userId }, metadata),
          getRequests: (metadata) => friends.getRequests({}, metadata),
          block: (metadata) => friends.block({ userId: jon.userId }, metadata),
          unblock: (metadata) => friends.unblock({ userId: jon.userId }, metadata),
          getBlocked: (metadata) => friends.getBlocked({}, metadata),
        };
        const credentials: [string, () => Metadata | undefined][] = [
          ['no metadata', () => undefined],
          ['empty metadata', () => new Metadata()],
          ['a forged token', () => identityMetadata({ ...ivy, token: 'forged-token' })],
          ["another user's token", () => identityMetadata({ ...ivy, token: jon.token })],
          ["another device's id", () => identityMetadata({ ...ivy, deviceId: jon.deviceId })],
        ];
        for (const [method, call] of Object.entries(calls))
          for (const [what, metadata] of credentials)
            await assert.rejects(
              call(metadata()),
              { code: ErrorCode.Unauthorized },
              `${method} with ${what}`,
            );
        assert.deepEqual((await friends.getRequests({}, as(jon))).received, [], 'nothing was done');
        assert.deepEqual((await friends.getBlocked({}, as(ivy))).userIds, []);
      });
    } else {
      void it('lets anyone message anyone by default, and still refuses a blocked user', async () => {
        const [gus, hal] = [await signIn(), await signIn()];
        const gusTcp = await connect('tcp', gus);
        const halWs = await connect('ws', hal);
        assert.deepEqual(
          await sendCodesBetween(gus, gusTcp, hal, halWs, 'strangers'),
          [0, 0, 0, 0],
          'no friendship needed, either way',
        );
        await friends.block({ userId: gus.userId }, as(hal));
        assert.deepEqual(
          await sendCodesBetween(gus, gusTcp, hal, halWs, 'blocked'),
          new Array<number>(4).fill(ErrorCode.Blocked),
        );
        await friends.unblock({ userId: gus.userId }, as(hal));
        assert.deepEqual(await sendCodesBetween(gus, gusTcp, hal, halWs, 'unblocked'), [0, 0, 0, 0]);
      });
    }
  });
}
