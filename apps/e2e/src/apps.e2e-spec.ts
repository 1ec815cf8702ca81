// Apps, against both deployments: two apps that both have a user 42, each signing its own tokens (HS256 and
// ES256) on its own server; sign-in over TCP and WebSocket, messages, friends and moments that stay inside each
// app, every token refusal with its code, and key rotation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  businessAppInt,
  businessFriend,
  businessMoment,
  businessUserExt,
  businessUserInt,
  logicMessageExt,
  logicMessageInt,
  logicPush,
} from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { MessageCommand, type Message } from '@gim/protocol';
import { createGrpcClient, identityMetadata, type GrpcClient } from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { appIntClient, phoneSignIn, userExtClient } from './support/sessions';
import { TestConnection } from './support/test-connection';

interface AppUnderTest {
  id: number;
  credential?: string;
  kid: string;
  alg: 'HS256' | 'ES256';
  signingKey: KeyObject | Uint8Array;
}

/** What the app's own server does: mints a token for one of its users and devices, without calling gim. */
function mint(
  app: AppUnderTest,
  userId: number,
  deviceId: number,
  overrides: { kid?: string; alg?: string; key?: KeyObject | Uint8Array; exp?: number; iss?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ device_id: String(deviceId) })
    .setProtectedHeader({ alg: overrides.alg ?? app.alg, kid: overrides.kid ?? app.kid })
    .setIssuer(overrides.iss ?? String(app.id))
    .setSubject(String(userId))
    .setAudience('gim')
    .setIssuedAt(now)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(overrides.key ?? app.signingKey);
}

function unsignedToken(header: object, claims: object): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.`;
}

function chat(message: Message): logicPush.UserMessagePush {
  assert.equal(message.command, MessageCommand.MC_USER_CHAT);
  return logicPush.UserMessagePush.decode(message.content);
}

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`apps: two businesses on one gim (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let apps: GrpcClient<businessAppInt.AppIntServiceClient>;
    let hs: AppUnderTest;
    let es: AppUnderTest;
    const open: TestConnection[] = [];

    const connect = async (transport: 'tcp' | 'ws', token: string, ids = { user: 0, device: 0 }) => {
      const connection =
        transport === 'tcp' ? await TestConnection.tcp(gim.ports.tcp) : await TestConnection.ws(gim.ports.ws);
      open.push(connection);
      return { connection, reply: await connection.signIn(ids.user, ids.device, token) };
    };
    const signedIn = async (transport: 'tcp' | 'ws', token: string): Promise<TestConnection> => {
      const { connection, reply } = await connect(transport, token);
      assert.equal(reply.code, 0, `sign-in failed: ${reply.message}`);
      return connection;
    };
    const refusedWith = async (token: string, code: ErrorCode): Promise<void> => {
      const { reply } = await connect('tcp', token);
      assert.equal(reply.code, code, reply.message);
    };

    before(async () => {
      gim = mode === 'cluster' ? await startCluster() : await startStandalone();
      apps = appIntClient(gim);
      const first = await apps.createApp({ name: 'shop' });
      const hsKey = await apps.addKey({
        appId: first.app!.id,
        kid: 'shop-1',
        alg: 'HS256',
        publicKey: '',
        secret: '',
      });
      hs = {
        id: first.app!.id,
        credential: first.credential,
        kid: 'shop-1',
        alg: 'HS256',
        signingKey: Buffer.from(hsKey.secret, 'base64url'),
      };
      const second = await apps.createApp({ name: 'clinic' });
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      await apps.addKey({
        appId: second.app!.id,
        kid: 'clinic-1',
        alg: 'ES256',
        publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        secret: '',
      });
      es = {
        id: second.app!.id,
        credential: second.credential,
        kid: 'clinic-1',
        alg: 'ES256',
        signingKey: pair.privateKey,
      };
    });

    after(async () => {
      for (const connection of open) connection.close();
      apps?.close();
      await gim?.stop();
    });

    void it('lists the default app and both new apps, without secrets', async () => {
      const { apps: all } = await apps.listApps({});
      assert.deepEqual(
        all.map((app) => [app.id, app.name, app.keys.map((key) => [key.kid, key.alg])]),
        [
          [1, 'default', []],
          [hs.id, 'shop', [['shop-1', 'HS256']]],
          [es.id, 'clinic', [['clinic-1', 'ES256']]],
        ],
      );
      assert.equal(all[1]?.keys[0]?.publicKey, '');
      assert.equal(all[1]?.credentials, 1);
    });

    void it("keeps each app's user 42 apart: sign-in on TCP and WebSocket, messages stay in their app", async () => {
      const shop42 = await signedIn('tcp', await mint(hs, 42, 1));
      const clinic42 = await signedIn('ws', await mint(es, 42, 1));
      const shop43 = await signedIn('ws', await mint(hs, 43, 5));
      const clinic43 = await signedIn('tcp', await mint(es, 43, 9));

      await shop43.send(42, 'shop-1', 'hello from the shop');
      const [received] = await shop42.waitForPushes(1);
      const body = chat(received!);
      assert.equal(Buffer.from(body.content).toString(), 'hello from the shop');
      assert.equal(body.toUserId, 42, 'bodies carry the ids the app knows');
      assert.equal(body.fromUser?.userId, 43);
      assert.equal(body.fromUser?.deviceId, 5);

      await clinic43.send(42, 'clinic-1', 'hello from the clinic');
      const [clinicMessage] = await clinic42.waitForPushes(1);
      assert.equal(Buffer.from(chat(clinicMessage!).content).toString(), 'hello from the clinic');

      // Each user 42 got exactly its own app's message, live and by sync.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(shop42.pushes.length, 1);
      assert.equal(clinic42.pushes.length, 1);
      const shopInbox = await shop42.sync(0);
      assert.deepEqual(
        shopInbox.messages.map((message) => Buffer.from(chat(message).content).toString()),
        ['hello from the shop'],
      );
      const clinicInbox = await clinic42.sync(0);
      assert.deepEqual(
        clinicInbox.messages.map((message) => Buffer.from(chat(message).content).toString()),
        ['hello from the clinic'],
      );
      // A user the app never signed in does not exist in it, whatever exists in the other app.
      await assert.rejects(
        clinic43.send(44, 'clinic-2', 'anyone?'),
        new RegExp(`send failed: ${ErrorCode.UserNotFound} `),
      );
    });

    void it('signs in over the WebSocket query string too', async () => {
      const token = await mint(es, 50, 2);
      const connection = await TestConnection.ws(gim.ports.ws, `?user_id=50&device_id=2&token=${token}`);
      open.push(connection);
      const sender = await signedIn('tcp', await mint(es, 51, 1));
      await sender.send(50, 'q-1', 'via query');
      const [message] = await connection.waitForPushes(1);
      assert.equal(Buffer.from(chat(message!).content).toString(), 'via query');
    });

    void it('refuses every bad token with its own code', async () => {
      const now = Math.floor(Date.now() / 1000);
      await refusedWith(await mint(hs, 42, 1, { exp: now - 3600 }), ErrorCode.TokenExpired);
      const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      await refusedWith(await mint(es, 42, 1, { key: stranger }), ErrorCode.TokenBadSignature);
      // The shop's HMAC secret cannot sign for the clinic, under the clinic's key id or its own.
      await refusedWith(
        await mint(es, 42, 1, { alg: 'HS256', key: hs.signingKey }),
        ErrorCode.TokenAlgorithmRefused,
      );
      await refusedWith(
        await mint(es, 42, 1, { kid: 'shop-1', alg: 'HS256', key: hs.signingKey }),
        ErrorCode.TokenUnknownKey,
      );
      const claims = { iss: String(hs.id), sub: '42', device_id: '1', aud: 'gim', iat: now, exp: now + 60 };
      await refusedWith(unsignedToken({ alg: 'none', kid: hs.kid }, claims), ErrorCode.TokenAlgorithmRefused);
      await refusedWith(await mint(hs, 42, 1, { kid: 'shop-0' }), ErrorCode.TokenUnknownKey);
      await refusedWith(await mint(hs, 42, 1, { iss: '999999' }), ErrorCode.AppNotFound);
      // The ids sent beside a token must be the token's.
      const { reply } = await connect('tcp', await mint(hs, 42, 1), { user: 43, device: 1 });
      assert.equal(reply.code, ErrorCode.Unauthorized);
    });

    const messages = (settings: { internalSecret?: string; appCredential?: string }) =>
      createGrpcClient<logicMessageInt.MessageIntServiceClient>({
        address: `127.0.0.1:${gim.ports.logic}`,
        files: ['logic/message.int.proto'],
        service: 'logic.MessageIntService',
        ...settings,
      });
    const users = (settings: { internalSecret?: string; appCredential?: string }) =>
      createGrpcClient<businessUserInt.UserIntServiceClient>({
        address: `127.0.0.1:${gim.ports.business}`,
        files: ['business/user.int.proto'],
        service: 'business.UserIntService',
        ...settings,
      });

    void it("lets an app's credential push to its own users only, and to all of its own connections", async () => {
      const shop70 = await signedIn('tcp', await mint(hs, 70, 1));
      const clinic70 = await signedIn('ws', await mint(es, 70, 1));
      const shop = messages({ appCredential: hs.credential! });
      const clinic = messages({ appCredential: es.credential! });
      const internal = messages({ internalSecret: gim.internalSecret });
      try {
        const text = (message: Message) => Buffer.from(message.content).toString();
        await shop.pushToUsers({
          userIds: [70],
          command: MessageCommand.MC_USER_MESSAGE,
          content: Buffer.from('shop notice'),
          isPersist: true,
          appId: 0,
        });
        const [pushed] = await shop70.waitForPushes(1);
        assert.equal(text(pushed!), 'shop notice');
        // The shop's own id 70 names its own user; the clinic's user 70 is out of its reach.
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(clinic70.pushes.length, 0);
        // An id the app has no user for is refused, and nothing is pushed to anyone.
        await assert.rejects(
          shop.pushToUsers({
            userIds: [70, 999_999],
            command: MessageCommand.MC_USER_MESSAGE,
            content: Buffer.from('x'),
            isPersist: true,
            appId: 0,
          }),
          { code: ErrorCode.UserNotFound },
        );
        // An app's credential may not name another app.
        await assert.rejects(
          shop.pushToUsers({
            userIds: [70],
            command: MessageCommand.MC_USER_MESSAGE,
            content: Buffer.from('x'),
            isPersist: true,
            appId: es.id,
          }),
          { code: ErrorCode.Unauthorized },
        );
        // The deployment's internal credential acts in the default app: app users' gim ids are not ids there.
        await assert.rejects(
          internal.pushToUsers({
            userIds: [70],
            command: MessageCommand.MC_USER_MESSAGE,
            content: Buffer.from('x'),
            isPersist: true,
            appId: 0,
          }),
          { code: ErrorCode.UserNotFound },
        );
        // ...unless it names the app: then the app's ids count (how gim's own services notify app users).
        await internal.pushToUsers({
          userIds: [70],
          command: MessageCommand.MC_USER_MESSAGE,
          content: Buffer.from('clinic notice'),
          isPersist: true,
          appId: es.id,
        });
        const [clinicNotice] = await clinic70.waitForPushes(1);
        assert.equal(text(clinicNotice!), 'clinic notice');
        clinic70.pushes.length = 0;
        await clinic.pushToAll({
          command: MessageCommand.MC_USER_MESSAGE,
          content: Buffer.from('clinic closes at six'),
        });
        const [broadcast] = await clinic70.waitForPushes(1);
        assert.equal(text(broadcast!), 'clinic closes at six');
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(shop70.pushes.length, 1, "the clinic's broadcast never reaches the shop's users");
        // Gateways' own methods stay with the internal credential.
        await assert.rejects(shop.deviceSync({ userId: 70, deviceId: 1, seq: 0, limit: 10 }), {
          code: ErrorCode.Unauthorized,
        });
        await assert.rejects(
          messages({ appCredential: `${hs.credential!.slice(0, -2)}xx` }).pushToAll({
            command: MessageCommand.MC_USER_MESSAGE,
            content: Buffer.from('forged'),
          }),
          { code: ErrorCode.Unauthorized },
        );
      } finally {
        shop.close();
        clinic.close();
        internal.close();
      }
    });

    void it('creates users ahead of their first sign-in, updates them and revokes their tokens', async () => {
      const shop = users({ appCredential: hs.credential! });
      try {
        const { created } = await shop.createUsers({
          users: [
            { userId: 80, nickname: 'ann', sex: 2, avatarUrl: '', extra: '' },
            { userId: 81, nickname: 'ben', sex: 1, avatarUrl: '', extra: '' },
          ],
        });
        assert.deepEqual([...created].sort(), [80, 81]);
        assert.deepEqual(
          (
            await shop.createUsers({
              users: [{ userId: 80, nickname: 'x', sex: 0, avatarUrl: '', extra: '' }],
            })
          ).created,
          [],
        );
        await shop.updateUser({
          user: { userId: 81, nickname: 'benjamin', sex: 1, avatarUrl: '', extra: '' },
        });

        // 81 never signed in, yet a message to it is stored and waits for its first sign-in.
        const ann = await signedIn('tcp', await mint(hs, 80, 1));
        await ann.send(81, 'ahead-1', 'welcome');
        const ben = await signedIn('ws', await mint(hs, 81, 1));
        const inbox = await ben.sync(0);
        const body = chat(inbox.messages[0]!);
        assert.equal(Buffer.from(body.content).toString(), 'welcome');
        assert.equal(body.fromUser?.nickname, 'ann');

        const before = await mint(hs, 80, 2);
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        await shop.revokeTokens({ userId: 80, issuedBefore: 0 });
        await refusedWith(before, ErrorCode.TokenRevoked);
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        await signedIn('tcp', await mint(hs, 80, 2));

        // The clinic's credential cannot touch the shop's users, and the internal credential creates none.
        const clinic = users({ appCredential: es.credential! });
        try {
          await assert.rejects(clinic.revokeTokens({ userId: 81, issuedBefore: 0 }), {
            code: ErrorCode.UserNotFound,
          });
        } finally {
          clinic.close();
        }
        const internal = users({ internalSecret: gim.internalSecret });
        try {
          await assert.rejects(
            internal.createUsers({ users: [{ userId: 5, nickname: '', sex: 0, avatarUrl: '', extra: '' }] }),
            { code: ErrorCode.BadRequest },
          );
        } finally {
          internal.close();
        }
        // Reads name the app's users by the app's ids.
        const read = await shop.getUsers({ userIds: { 80: 0, 81: 0 } });
        assert.deepEqual(
          Object.values(read.users).map((user) => [user.userId, user.nickname]),
          [
            [80, 'ann'],
            [81, 'benjamin'],
          ],
        );
      } finally {
        shop.close();
      }
    });

    void it("serves the client-facing gRPC calls with app tokens, inside the caller's app", async () => {
      const business = `127.0.0.1:${gim.ports.business}`;
      const userExt = createGrpcClient<businessUserExt.UserExtServiceClient>({
        address: business,
        files: ['business/user.ext.proto'],
        service: 'business.UserExtService',
      });
      const friendExt = createGrpcClient<businessFriend.FriendExtServiceClient>({
        address: business,
        files: ['business/friend.ext.proto'],
        service: 'business.FriendExtService',
      });
      const messageExt = createGrpcClient<logicMessageExt.MessageExtServiceClient>({
        address: `127.0.0.1:${gim.ports.logic}`,
        files: ['logic/message.ext.proto'],
        service: 'logic.MessageExtService',
      });
      try {
        const as = async (app: AppUnderTest, userId: number, deviceId: number) =>
          identityMetadata({ userId, deviceId, token: await mint(app, userId, deviceId) });
        const shop90 = await as(hs, 90, 3);
        await userExt.updateUser({ nickname: 'shop ninety', sex: 0, avatarUrl: '', extra: '' }, shop90);
        const clinic90 = await as(es, 90, 3);
        await userExt.updateUser({ nickname: 'clinic ninety', sex: 0, avatarUrl: '', extra: '' }, clinic90);
        // Each app sees its own user 90 under the id it gave it.
        const seen = await userExt.getUser({ userId: 90 }, await as(hs, 91, 1));
        assert.deepEqual(
          [seen.user?.userId, seen.user?.nickname, seen.user?.appId],
          [90, 'shop ninety', hs.id],
        );
        const found = await userExt.searchUser({ key: 'ninety' }, await as(es, 91, 1));
        assert.deepEqual(
          found.users.map((user) => [user.userId, user.nickname]),
          [[90, 'clinic ninety']],
        );
        // A friend message from the shop's 91 reaches the shop's 90, by sync over gRPC with an app token.
        await friendExt.sendMessage(
          { userId: 90, content: Buffer.from('over grpc'), clientMsgId: 'grpc-1' },
          await as(hs, 91, 1),
        );
        const synced = await messageExt.sync({ seq: 0, limit: 0 }, await as(hs, 90, 3));
        const bodies = synced.messages.map((message) => chat(message));
        assert.deepEqual(
          bodies.map((body) => [
            Buffer.from(body.content).toString(),
            body.fromUser?.userId,
            body.fromUser?.deviceId,
          ]),
          [['over grpc', 91, 1]],
        );
        const clinicInbox = await messageExt.sync({ seq: 0, limit: 0 }, clinic90);
        assert.deepEqual(clinicInbox.messages, []);
        await assert.rejects(
          userExt.getUser(
            { userId: 90 },
            await as(hs, 91, 1).then((metadata) => {
              metadata.set('user_id', '92');
              return metadata;
            }),
          ),
          { code: ErrorCode.Unauthorized },
        );
      } finally {
        userExt.close();
        friendExt.close();
        messageExt.close();
      }
    });

    void it("keeps friends and moments inside each app: another app's users are unknown there and never listed", async () => {
      const business = `127.0.0.1:${gim.ports.business}`;
      const userExt = userExtClient(gim);
      const friendExt = createGrpcClient<businessFriend.FriendExtServiceClient>({
        address: business,
        files: ['business/friend.ext.proto'],
        service: 'business.FriendExtService',
      });
      const momentExt = createGrpcClient<businessMoment.MomentExtServiceClient>({
        address: business,
        files: ['business/moment.ext.proto'],
        service: 'business.MomentExtService',
      });
      const messageExt = createGrpcClient<logicMessageExt.MessageExtServiceClient>({
        address: `127.0.0.1:${gim.ports.logic}`,
        files: ['logic/message.ext.proto'],
        service: 'logic.MessageExtService',
      });
      try {
        // Ann and Ben are the default app's (signed in by phone); the shop has a user with Ann's id number, and Zed.
        const [annSession, benSession] = [
          await phoneSignIn(userExt, '13500000101'),
          await phoneSignIn(userExt, '13500000102'),
        ];
        const [ann, ben] = [identityMetadata(annSession), identityMetadata(benSession)];
        const [annId, benId] = [annSession.userId, benSession.userId];
        const zedId = 900_095;
        const inShop = async (userId: number) =>
          identityMetadata({ userId, deviceId: 1, token: await mint(hs, userId, 1) });
        const shopAnn = await inShop(annId);
        const zed = await inShop(zedId);
        await userExt.updateUser({ nickname: 'default ann', sex: 0, avatarUrl: '', extra: '' }, ann);
        await userExt.updateUser({ nickname: 'shop ann', sex: 0, avatarUrl: '', extra: '' }, shopAnn);
        await userExt.updateUser({ nickname: 'zed', sex: 0, avatarUrl: '', extra: '' }, zed);
        await assert.rejects(userExt.getUser({ userId: benId }, shopAnn), { code: ErrorCode.UserNotFound });

        await friendExt.add({ friendId: annId, remarks: '', description: 'ben here' }, ben);
        await friendExt.add({ friendId: annId, remarks: '', description: 'zed here' }, zed);
        const received = async (metadata: typeof ann) =>
          (await friendExt.getRequests({}, metadata)).received.map((each) => [each.userId, each.description]);
        assert.deepEqual(await received(ann), [[benId, 'ben here']]);
        assert.deepEqual(await received(shopAnn), [[zedId, 'zed here']], 'the same id number, another user');
        const addNotices = async (metadata: typeof ann) =>
          (await messageExt.sync({ seq: 0, limit: 0 }, metadata)).messages
            .filter((message) => message.command === MessageCommand.MC_ADD_FRIEND)
            .map((message) => businessFriend.AddFriendPush.decode(message.content).friendId);
        assert.deepEqual(await addNotices(ann), [benId]);
        assert.deepEqual(await addNotices(shopAnn), [zedId]);

        // Naming a user of another app is naming nobody, whatever the call.
        const unknown = { code: ErrorCode.UserNotFound };
        for (const [caller, other] of [
          [shopAnn, benId],
          [ann, zedId],
        ] as const) {
          await assert.rejects(
            friendExt.add({ friendId: other, remarks: '', description: '' }, caller),
            unknown,
          );
          await assert.rejects(friendExt.agree({ userId: other, remarks: '' }, caller), unknown);
          await assert.rejects(friendExt.block({ userId: other }, caller), unknown);
          await assert.rejects(
            friendExt.sendMessage(
              { userId: other, content: Buffer.from('x'), clientMsgId: `x-${other}` },
              caller,
            ),
            unknown,
          );
        }

        await friendExt.agree({ userId: benId, remarks: '' }, ann);
        await friendExt.agree({ userId: zedId, remarks: '' }, shopAnn);
        const friendsOf = async (metadata: typeof ann) =>
          (await friendExt.getFriends({}, metadata)).friends.map((each) => [each.userId, each.nickname]);
        assert.deepEqual(await friendsOf(ann), [[benId, '']]);
        assert.deepEqual(await friendsOf(shopAnn), [[zedId, 'zed']]);
        assert.deepEqual(await friendsOf(ben), [[annId, 'default ann']]);
        assert.deepEqual(await friendsOf(zed), [[annId, 'shop ann']]);
        assert.deepEqual((await friendExt.getRequests({}, shopAnn)).sent, []);
        assert.deepEqual((await friendExt.getBlocked({}, shopAnn)).userIds, []);

        // A moment of the default app is no moment in the shop, not even for the author's id number there.
        const { momentId } = await momentExt.post({ text: 'default app only', fileUrls: [] }, ann);
        assert.equal((await momentExt.get({ momentId }, ben)).moment?.text, 'default app only');
        const noMoment = { code: ErrorCode.MomentNotFound };
        for (const caller of [shopAnn, zed]) {
          await assert.rejects(momentExt.get({ momentId }, caller), noMoment);
          await assert.rejects(momentExt.like({ momentId }, caller), noMoment);
          await assert.rejects(momentExt.comment({ momentId, text: 'hi' }, caller), noMoment);
        }
        const seen = await momentExt.get({ momentId }, ann);
        assert.deepEqual([seen.moment?.likeCount, seen.moment?.commentCount], [0, 0]);
      } finally {
        userExt.close();
        friendExt.close();
        momentExt.close();
        messageExt.close();
      }
    });

    void it("refuses a disabled app's tokens, and serves them again once it is enabled", async () => {
      const disabled = await apps.createApp({ name: 'closed' });
      const key = await apps.addKey({
        appId: disabled.app!.id,
        kid: 'k',
        alg: 'HS256',
        publicKey: '',
        secret: '',
      });
      const app: AppUnderTest = {
        id: disabled.app!.id,
        kid: 'k',
        alg: 'HS256',
        signingKey: Buffer.from(key.secret, 'base64url'),
      };
      const online = await signedIn('ws', await mint(app, 2, 1));
      await apps.setAppStatus({ appId: app.id, status: businessAppInt.AppStatus.AS_DISABLED });
      const closed = await online.closed;
      assert.equal(closed.notice?.code, ErrorCode.AppDisabled);
      await refusedWith(await mint(app, 1, 1), ErrorCode.AppDisabled);
      const credential = messages({ appCredential: disabled.credential });
      try {
        await assert.rejects(
          credential.pushToAll({ command: MessageCommand.MC_USER_MESSAGE, content: Buffer.from('x') }),
          {
            code: ErrorCode.AppDisabled,
          },
        );
      } finally {
        credential.close();
      }
      await apps.setAppStatus({ appId: app.id, status: businessAppInt.AppStatus.AS_ACTIVE });
      await signedIn('tcp', await mint(app, 1, 1));

      // The app's settings bound how long its tokens may live.
      await apps.updateSettings({ appId: app.id, settings: { tokenMaxLifetimeSeconds: 300 } });
      assert.equal((await apps.getApp({ appId: app.id })).settings?.tokenMaxLifetimeSeconds, 300);
      await refusedWith(await mint(app, 1, 1), ErrorCode.TokenMalformed);
      const now = Math.floor(Date.now() / 1000);
      await signedIn('tcp', await mint(app, 1, 1, { exp: now + 300 }));
    });

    void it('rotates keys without downtime: both keys verify until the old one is removed', async () => {
      const next = await apps.addKey({
        appId: hs.id,
        kid: 'shop-2',
        alg: 'HS256',
        publicKey: '',
        secret: '',
      });
      const rotated: AppUnderTest = {
        ...hs,
        kid: 'shop-2',
        signingKey: Buffer.from(next.secret, 'base64url'),
      };
      await signedIn('tcp', await mint(hs, 60, 1));
      await signedIn('ws', await mint(rotated, 61, 1));
      await apps.removeKey({ appId: hs.id, kid: 'shop-1' });
      await refusedWith(await mint(hs, 60, 2), ErrorCode.TokenUnknownKey);
      await signedIn('tcp', await mint(rotated, 60, 2));
    });

    void it('refuses management calls without the internal credential and keys for the default app', async () => {
      const anonymous = createGrpcClient<businessAppInt.AppIntServiceClient>({
        address: `127.0.0.1:${gim.ports.business}`,
        files: ['business/app.int.proto'],
        service: 'business.AppIntService',
      });
      try {
        await assert.rejects(anonymous.listApps({}), { code: ErrorCode.Unauthorized });
      } finally {
        anonymous.close();
      }
      await assert.rejects(apps.addKey({ appId: 1, kid: 'x', alg: 'HS256', publicKey: '', secret: '' }), {
        code: ErrorCode.BadRequest,
      });
    });
  });
}
