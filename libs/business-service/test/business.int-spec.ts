// Boots the business service against a fresh database (MariaDB, then a SQLite file) and calls it over real gRPC.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@gim/config';
import { businessFriend, businessFriendInt, businessUserExt, businessUserInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { createGrpcClient, GrpcClient, identityMetadata } from '@gim/rpc';
import { createTestDatabase, freePort, startTcpProxy, tempDir, TcpProxy } from '@gim/testing';
import { BusinessConfig, BusinessHandle, startBusiness } from '../src/index';
import { uint64MapKey } from '../src/lib/user/user.grpc';
import { LogicTestDouble, startLogicTestDouble } from './logic-test-double';

const INTERNAL_SECRET = 'business-int-spec-internal-secret';
const CODE = '246810';
const USER_EXT = ['business/user.ext.proto'];
const USER_INT = ['business/user.int.proto'];
const FRIEND_EXT = ['business/friend.ext.proto'];
const FRIEND_INT = ['business/friend.int.proto'];

const device = {
  id: 0,
  type: 1,
  brand: 'acme',
  model: 'x1',
  systemVersion: '14',
  sdkVersion: '1.0',
  branchPushId: '',
};

const failsWith =
  (code: ErrorCode, pattern = /./) =>
  (error: unknown) => {
    assert.ok(error instanceof GimError, `expected a GimError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  };

let phoneCounter = 0;
const newPhone = (): string => `1380000${String(++phoneCounter).padStart(4, '0')}`;

async function bootBusiness(databaseUrl: string, logicAddress: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const config = loadConfig(BusinessConfig, {
    NODE_ENV: 'test',
    GIM_LOG_LEVEL: 'warn',
    GIM_BUSINESS_GRPC_URL: `127.0.0.1:${port}`,
    GIM_OPS_LISTEN: '127.0.0.1:0',
    GIM_BUSINESS_DB_URL: databaseUrl,
    GIM_LOGIC_GRPC_ADDR: logicAddress,
    GIM_DEV_VERIFICATION_CODE: CODE,
    GIM_SIGN_IN_LIMITER: 'memory', // sign-in-limits.int-spec.ts covers the Redis counters
    ...env,
  });
  const handle = await startBusiness(config, { internalSecret: INTERNAL_SECRET });
  return { handle, address: `127.0.0.1:${port}` };
}

/** A database for one suite: its URL and how to remove it. */
interface SuiteDatabase {
  url: string;
  drop(): Promise<void>;
}

const BACKENDS: { name: string; create(): Promise<SuiteDatabase> }[] = [
  { name: 'MariaDB', create: () => createTestDatabase('business') },
  {
    name: 'SQLite',
    create: async () => {
      const dir = await tempDir('business');
      return { url: `sqlite:${dir.path}/business.db`, drop: () => dir.remove() };
    },
  },
];

for (const backend of BACKENDS)
  void describe(`business service over gRPC (${backend.name})`, () => {
    let database: SuiteDatabase;
    let logic: LogicTestDouble;
    let business: BusinessHandle;
    let shortLived: BusinessHandle;
    let userExt: GrpcClient<businessUserExt.UserExtServiceClient>;
    let shortLivedUserExt: GrpcClient<businessUserExt.UserExtServiceClient>;
    let userInt: GrpcClient<businessUserInt.UserIntServiceClient>;
    let userIntWithoutCredential: GrpcClient<businessUserInt.UserIntServiceClient>;
    let userIntWrongCredential: GrpcClient<businessUserInt.UserIntServiceClient>;
    let friendExt: GrpcClient<businessFriend.FriendExtServiceClient>;
    let friendInt: GrpcClient<businessFriendInt.FriendIntServiceClient>;
    let friendIntWithoutCredential: GrpcClient<businessFriendInt.FriendIntServiceClient>;
    const clients: { close(): void }[] = [];

    const signIn = (phoneNumber = newPhone(), deviceId = 0) =>
      userExt.signIn({ phoneNumber, code: CODE, device: { ...device, id: deviceId } });

    before(async () => {
      database = await backend.create();
      logic = await startLogicTestDouble(INTERNAL_SECRET);
      const main = await bootBusiness(database.url, logic.address);
      business = main.handle;
      const short = await bootBusiness(database.url, logic.address, { GIM_TOKEN_TTL_SECONDS: '1' });
      shortLived = short.handle;
      const client = <C>(address: string, files: string[], service: string, internalSecret?: string) => {
        const created = createGrpcClient<C>({ address, files, service, internalSecret });
        clients.push(created);
        return created;
      };
      userExt = client(main.address, USER_EXT, 'business.UserExtService');
      shortLivedUserExt = client(short.address, USER_EXT, 'business.UserExtService');
      userInt = client(main.address, USER_INT, 'business.UserIntService', INTERNAL_SECRET);
      userIntWithoutCredential = client(main.address, USER_INT, 'business.UserIntService');
      userIntWrongCredential = client(
        main.address,
        USER_INT,
        'business.UserIntService',
        'not-the-internal-secret',
      );
      friendExt = client(main.address, FRIEND_EXT, 'business.FriendExtService');
      friendInt = client(main.address, FRIEND_INT, 'business.FriendIntService', INTERNAL_SECRET);
      friendIntWithoutCredential = client(main.address, FRIEND_INT, 'business.FriendIntService');
    });

    after(async () => {
      for (const client of clients) client.close();
      await business?.close();
      await shortLived?.close();
      await logic?.close();
      await database?.drop();
    });

    void it('creates the user on the first sign-in with the dev code, and finds it on the next', async () => {
      const phoneNumber = newPhone();
      const before = Date.now();
      const first = await signIn(phoneNumber);
      assert.equal(first.isNew, true);
      assert.ok(first.userId >= 10000);
      assert.ok(first.deviceId >= 50000);
      assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
      const ttl = 30 * 24 * 3600 * 1000;
      assert.ok(first.tokenExpiresAt >= before + ttl && first.tokenExpiresAt <= Date.now() + ttl);
      assert.deepEqual(logic.saves.at(-1), {
        userId: first.userId,
        device: { ...device, id: 0 },
        appDeviceId: 0,
      });

      const second = await signIn(phoneNumber, first.deviceId);
      assert.equal(second.isNew, false);
      assert.equal(second.userId, first.userId);
      assert.equal(second.deviceId, first.deviceId);
    });

    void it('creates one user when two first sign-ins race', async () => {
      const phoneNumber = newPhone();
      const sessions = await Promise.all([1, 2, 3, 4, 5].map(() => signIn(phoneNumber)));
      assert.equal(new Set(sessions.map((session) => session.userId)).size, 1);
      assert.equal(sessions.filter((session) => session.isNew).length, 1);
    });

    void it('refuses a wrong verification code with 10300', async () => {
      await assert.rejects(
        userExt.signIn({ phoneNumber: newPhone(), code: '135790', device }),
        failsWith(ErrorCode.BadVerificationCode),
      );
    });

    void it('answers invalid arguments with 10001 naming the field', async () => {
      await assert.rejects(
        userExt.signIn({ phoneNumber: '12ab', code: CODE, device }),
        failsWith(ErrorCode.BadRequest, /phoneNumber/),
      );
      await assert.rejects(
        userExt.signIn({ phoneNumber: newPhone(), code: CODE, device: undefined }),
        failsWith(ErrorCode.BadRequest, /device/),
      );
      await assert.rejects(userInt.getUser({ userId: 0 }), failsWith(ErrorCode.BadRequest, /userId/));
      await assert.rejects(
        userInt.auth({ userId: 1, deviceId: 1, token: 'x'.repeat(5000) }),
        failsWith(ErrorCode.BadRequest, /token/),
      );
    });

    void it('Auth accepts the live token and rejects a wrong one, another user and a replaced one', async () => {
      const alice = await signIn();
      const bob = await signIn();
      await userInt.auth({ userId: alice.userId, deviceId: alice.deviceId, token: alice.token });
      const notLive = failsWith(ErrorCode.Unauthorized, /not the live token/);
      await assert.rejects(
        userInt.auth({ userId: alice.userId, deviceId: alice.deviceId, token: bob.token }),
        notLive,
      );
      await assert.rejects(
        userInt.auth({ userId: bob.userId, deviceId: alice.deviceId, token: alice.token }),
        notLive,
      );
      await assert.rejects(
        userInt.auth({ userId: alice.userId, deviceId: bob.deviceId, token: alice.token }),
        notLive,
      );

      const again = await userExt.signIn({ phoneNumber: newPhone(), code: CODE, device });
      const replaced = await userExt.signIn({
        phoneNumber: newPhone(),
        code: CODE,
        device: { ...device, id: again.deviceId },
      });
      await assert.rejects(
        userInt.auth({ userId: again.userId, deviceId: again.deviceId, token: again.token }),
        notLive,
      );
      await userInt.auth({ userId: replaced.userId, deviceId: replaced.deviceId, token: replaced.token });
    });

    void it('Auth rejects an expired token, saying so', async () => {
      const session = await shortLivedUserExt.signIn({ phoneNumber: newPhone(), code: CODE, device });
      assert.ok(session.tokenExpiresAt - Date.now() <= 1000);
      await userInt.auth({ userId: session.userId, deviceId: session.deviceId, token: session.token });
      await sleep(Math.max(0, session.tokenExpiresAt - Date.now()) + 50);
      await assert.rejects(
        userInt.auth({ userId: session.userId, deviceId: session.deviceId, token: session.token }),
        failsWith(ErrorCode.Unauthorized, /expired/),
      );
    });

    void it('refuses Int calls without the internal credential with 10000', async () => {
      const alice = await signIn();
      const credentials = { userId: alice.userId, deviceId: alice.deviceId, token: alice.token };
      const refused = failsWith(ErrorCode.Unauthorized, /internal credential/);
      await assert.rejects(userIntWithoutCredential.auth(credentials), refused);
      await assert.rejects(userIntWithoutCredential.getUser({ userId: alice.userId }), refused);
      await assert.rejects(userIntWrongCredential.getUsers({ userIds: { [alice.userId]: 0 } }), refused);
    });

    void it('refuses Ext calls without a valid identity with 10000', async () => {
      const alice = await signIn();
      await assert.rejects(
        userExt.getUser({ userId: alice.userId }),
        failsWith(ErrorCode.Unauthorized, /metadata/),
      );
      const wrongToken = identityMetadata({
        userId: alice.userId,
        deviceId: alice.deviceId,
        token: 'forged',
      });
      await assert.rejects(
        userExt.getUser({ userId: alice.userId }, wrongToken),
        failsWith(ErrorCode.Unauthorized, /not the live token/),
      );
      await assert.rejects(
        friendExt.sendMessage({ userId: alice.userId, content: Buffer.from('x'), clientMsgId: '' }),
        failsWith(ErrorCode.Unauthorized),
      );
    });

    void it('UpdateUser changes only the caller, and GetUser / GetUsers / SearchUser read it back', async () => {
      const alicePhone = newPhone();
      const alice = await signIn(alicePhone);
      const bob = await signIn();
      const asAlice = identityMetadata({
        userId: alice.userId,
        deviceId: alice.deviceId,
        token: alice.token,
      });
      const nickname = `Zed ${alice.userId}`;
      await userExt.updateUser(
        { nickname, sex: 2, avatarUrl: 'https://example.com/z.png', extra: '{"a":1}' },
        asAlice,
      );

      const { user } = await userExt.getUser({ userId: alice.userId }, asAlice);
      assert.ok(user);
      assert.equal(user.userId, alice.userId);
      assert.equal(user.nickname, nickname);
      assert.equal(user.sex, 2);
      assert.equal(user.avatarUrl, 'https://example.com/z.png');
      assert.equal(user.extra, '{"a":1}');
      assert.ok(user.createTime > 0 && user.updateTime >= user.createTime);
      assert.ok(Math.abs(user.updateTime - Date.now()) < 60_000);

      const bobProfile = await userInt.getUser({ userId: bob.userId });
      assert.equal(bobProfile.user?.nickname, '');

      const many = await userInt.getUsers({ userIds: { [alice.userId]: 0, [bob.userId]: 0, 999999: 0 } });
      const byId = new Map(Object.entries(many.users).map(([key, found]) => [uint64MapKey(key), found]));
      assert.deepEqual([...byId.keys()].sort(), [alice.userId, bob.userId].sort());
      assert.equal(byId.get(alice.userId)?.nickname, nickname);
      assert.equal(byId.get(alice.userId)?.userId, alice.userId);

      const byNickname = await userExt.searchUser({ key: `ed ${alice.userId}` }, asAlice);
      assert.deepEqual(
        byNickname.users.map((found) => found.userId),
        [alice.userId],
      );
      const byPhone = await userExt.searchUser({ key: alicePhone }, asAlice);
      assert.deepEqual(
        byPhone.users.map((found) => found.userId),
        [alice.userId],
      );
      const wildcard = await userExt.searchUser({ key: '%' }, asAlice);
      assert.deepEqual(wildcard.users, []);

      await assert.rejects(
        userExt.updateUser({ nickname: 'x', sex: 5, avatarUrl: '', extra: '' }, asAlice),
        failsWith(ErrorCode.BadRequest, /sex/),
      );
      await assert.rejects(userInt.getUser({ userId: 999999 }), failsWith(ErrorCode.UserNotFound));
    });

    void it('SendMessage passes the message to logic as the caller and returns its id and seq', async () => {
      const alice = await signIn();
      const bob = await signIn();
      const asAlice = identityMetadata({
        userId: alice.userId,
        deviceId: alice.deviceId,
        token: alice.token,
      });
      const reply = await friendExt.sendMessage(
        { userId: bob.userId, content: Buffer.from('hi bob'), clientMsgId: 'm-1' },
        asAlice,
      );
      assert.ok(reply.messageId >= 70000);
      assert.ok(reply.seq >= 1);
      const forwarded = logic.sends.at(-1);
      assert.equal(forwarded?.userId, alice.userId);
      assert.equal(forwarded?.deviceId, alice.deviceId);
      assert.equal(forwarded?.toUserId, bob.userId);
      assert.equal(forwarded?.clientMsgId, 'm-1');
      assert.equal(Buffer.from(forwarded?.content ?? []).toString(), 'hi bob');
      // The receiver and body rules are logic's (one rule for every path); the end-to-end tests cover them.
    });

    void it('answers 10500 when logic is unreachable, so the client can retry', async () => {
      const nothingThere = `127.0.0.1:${await freePort()}`;
      const orphan = await bootBusiness(database.url, nothingThere);
      const orphanUserExt = createGrpcClient<businessUserExt.UserExtServiceClient>({
        address: orphan.address,
        files: USER_EXT,
        service: 'business.UserExtService',
      });
      try {
        await assert.rejects(
          orphanUserExt.signIn({ phoneNumber: newPhone(), code: CODE, device }),
          failsWith(ErrorCode.Unavailable),
        );
      } finally {
        orphanUserExt.close();
        await orphan.handle.close();
      }
    });

    void it('keeps friendships and blocks, tells the other side through logic, and answers CheckSends', async () => {
      const [alice, bob, carol] = [await signIn(), await signIn(), await signIn()];
      const as = (user: { userId: number; deviceId: number; token: string }) =>
        identityMetadata({ userId: user.userId, deviceId: user.deviceId, token: user.token });
      const pushesBefore = logic.pushes.length;
      await friendExt.add({ friendId: bob.userId, remarks: 'Bob', description: 'hello' }, as(alice));
      await friendExt.agree({ userId: alice.userId, remarks: 'Alice' }, as(bob));
      const notices = logic.pushes.slice(pushesBefore);
      assert.deepEqual(
        notices.map((push) => [push.appId, push.userIds, push.command, push.isPersist]),
        [
          [1, [bob.userId], 110, true],
          [1, [alice.userId], 111, true],
        ],
      );
      assert.deepEqual(
        (await friendExt.getFriends({}, as(alice))).friends.map((friend) => [friend.userId, friend.remarks]),
        [[bob.userId, 'Bob']],
      );
      await friendExt.block({ userId: carol.userId }, as(bob));
      const pairs = [
        { senderId: alice.userId, receiverId: bob.userId },
        { senderId: carol.userId, receiverId: bob.userId },
        { senderId: bob.userId, receiverId: carol.userId },
        { senderId: carol.userId, receiverId: alice.userId },
      ];
      assert.deepEqual((await friendInt.checkSends({ pairs })).codes, [0, 10213, 10213, 0]);
      await assert.rejects(friendIntWithoutCredential.checkSends({ pairs }), { code: 10000 });
      await assert.rejects(
        friendExt.add({ friendId: alice.userId, remarks: '', description: '' }, as(alice)),
        {
          code: 10214,
        },
      );
    });
  });

void describe('business service while its database is down', () => {
  let database: SuiteDatabase;
  let proxy: TcpProxy;
  let logic: LogicTestDouble;
  let business: BusinessHandle;
  let userExt: GrpcClient<businessUserExt.UserExtServiceClient>;
  let userInt: GrpcClient<businessUserInt.UserIntServiceClient>;

  before(async () => {
    database = await createTestDatabase('business_outage');
    const url = new URL(database.url);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 3306));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    logic = await startLogicTestDouble(INTERNAL_SECRET);
    const booted = await bootBusiness(url.href, logic.address);
    business = booted.handle;
    userExt = createGrpcClient({
      address: booted.address,
      files: USER_EXT,
      service: 'business.UserExtService',
    });
    userInt = createGrpcClient({
      address: booted.address,
      files: USER_INT,
      service: 'business.UserIntService',
      internalSecret: INTERNAL_SECRET,
    });
  });

  after(async () => {
    userExt?.close();
    userInt?.close();
    await business?.close();
    await logic?.close();
    await proxy?.close();
    await database?.drop();
  });

  void it('answers 10500 on every path (sign-in, Ext auth, Int reads) and serves again once it is back', async () => {
    const alice = await userExt.signIn({ phoneNumber: newPhone(), code: CODE, device });
    const asAlice = identityMetadata({ userId: alice.userId, deviceId: alice.deviceId, token: alice.token });
    proxy.cut();
    const unavailable = failsWith(ErrorCode.Unavailable, /unavailable/);
    for (let i = 0; i < 20; i++) {
      await assert.rejects(userExt.signIn({ phoneNumber: newPhone(), code: CODE, device }), unavailable);
      await assert.rejects(userExt.getUser({ userId: alice.userId }, asAlice), unavailable);
      await assert.rejects(userInt.getUsers({ userIds: { [alice.userId]: 0 } }), unavailable);
      await assert.rejects(
        userInt.auth({ userId: alice.userId, deviceId: alice.deviceId, token: alice.token }),
        unavailable,
      );
    }
    proxy.restore();
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const reply = await userExt.getUser({ userId: alice.userId }, asAlice);
        assert.equal(reply.user?.userId, alice.userId);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  });
});
