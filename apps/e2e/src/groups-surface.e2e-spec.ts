// The groups' client and integrator surface, against both deployments: every GroupExtService method refused
// without a valid caller and every GroupIntService method without a valid credential; a second app's user kept
// away from the first app's groups and users; bad arguments; refused sends that store nothing (an outsider, a
// muted member, a removed member, a dissolved group); the integrator's Create/Update/Get/Push and muted members;
// the notices of profile changes, role changes, leaving and dissolving; the sender's other device.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import {
  businessAppInt,
  businessUserExt,
  logicGroup,
  logicGroupExt,
  logicMessageExt,
  logicPush,
} from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { MessageCommand, type Message } from '@gim/protocol';
import { createGrpcClient, identityMetadata, type GrpcClient } from '@gim/rpc';
import { Metadata } from '@grpc/grpc-js';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import {
  appIntClient,
  connectSignedIn,
  groupExtClient,
  groupIntClient,
  phoneSignIn,
  type Session,
  userExtClient,
} from './support/sessions';
import { TestConnection } from './support/test-connection';

const { GMT_ADMIN, GMT_MEMBER, GMT_OWNER } = logicGroup.GroupMemberType;
const { GMS_NORMAL, GMS_MUTED } = logicGroup.GroupMemberStatus;

/** A second app whose server signs its users' tokens (HS256). */
interface SecondApp {
  id: number;
  credential: string;
  kid: string;
  secret: Uint8Array;
}

/** The second app's server minting a token for one of its users and devices. */
function mint(app: SecondApp, userId: number, deviceId: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ device_id: String(deviceId) })
    .setProtectedHeader({ alg: 'HS256', kid: app.kid })
    .setIssuer(String(app.id))
    .setSubject(String(userId))
    .setAudience('gim')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(app.secret);
}

const profile = (name: string, id = 0): logicGroup.Group => ({
  id,
  name,
  avatarUrl: '',
  introduction: '',
  extra: '',
  memberCount: 0,
  dissolved: false,
});

const refusedWith = (code: ErrorCode, message?: RegExp) => (message ? { code, message } : { code });

/** Resolves once `connection` holds `count` pushes of `command` (or rejects after the timeout). */
async function pushesOf(
  connection: TestConnection,
  command: MessageCommand,
  count = 1,
  timeoutMs = 10_000,
): Promise<Message[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = connection.pushes.filter((message) => message.command === command);
    if (found.length >= count) return found;
    if (Date.now() > deadline)
      throw new Error(`expected ${count} ${MessageCommand[command]} pushes, got ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`groups: client and integrator surface (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let groups: GrpcClient<logicGroupExt.GroupExtServiceClient>;
    let integrator: GrpcClient<logicGroup.GroupIntServiceClient>;
    let messages: GrpcClient<logicMessageExt.MessageExtServiceClient>;
    let apps: GrpcClient<businessAppInt.AppIntServiceClient>;
    let second: SecondApp;
    const open: TestConnection[] = [];
    const closers: Array<{ close(): void }> = [];
    let phone = 13_700_000_000 + Math.floor(Math.random() * 90_000_000);

    const signIn = (): Promise<Session> => phoneSignIn(users, String(phone++));
    const connect = async (transport: 'tcp' | 'ws', session: Session): Promise<TestConnection> => {
      const connection = await connectSignedIn(gim, transport, session);
      open.push(connection);
      return connection;
    };
    const as = (session: Session): Metadata => identityMetadata(session);
    const integratorWith = (settings: { internalSecret?: string; appCredential?: string }) => {
      const client = groupIntClient(gim, settings);
      closers.push(client);
      return client;
    };
    const member = (
      session: Session,
      type: logicGroup.GroupMemberType = GMT_MEMBER,
      status: logicGroup.GroupMemberStatus = GMS_NORMAL,
    ): logicGroup.GroupMember => ({ userId: session.userId, nickname: '', type, status, extra: '' });

    // The highest seq in each user's inbox, read through MessageExtService.Sync.
    const inboxTops = async (sessions: readonly Session[]): Promise<number[]> =>
      Promise.all(
        sessions.map(async (session) => {
          let top = 0;
          for (;;) {
            const page = await messages.sync({ seq: top, limit: 0 }, as(session));
            top = page.messages.at(-1)?.seq ?? top;
            if (!page.hasMore) return top;
          }
        }),
      );
    // Asserts that no inbox got anything after `tops`.
    const assertNothingStored = async (
      sessions: readonly Session[],
      tops: readonly number[],
      why: string,
    ) => {
      for (const [at, session] of sessions.entries()) {
        const after = await messages.sync({ seq: tops[at] ?? 0, limit: 0 }, as(session));
        assert.deepEqual(
          after.messages.map((message) => MessageCommand[message.command]),
          [],
          `${why}: user ${session.userId}'s inbox grew`,
        );
      }
    };

    before(async () => {
      gim = mode === 'cluster' ? await startCluster() : await startStandalone();
      users = userExtClient(gim);
      groups = groupExtClient(gim);
      messages = createGrpcClient({
        address: `127.0.0.1:${gim.ports.logic}`,
        files: ['logic/message.ext.proto'],
        service: 'logic.MessageExtService',
      });
      integrator = integratorWith({ internalSecret: gim.internalSecret });
      apps = appIntClient(gim);
      const created = await apps.createApp({ name: 'second' });
      const key = await apps.addKey({
        appId: created.app!.id,
        kid: 'second-1',
        alg: 'HS256',
        publicKey: '',
        secret: '',
      });
      second = {
        id: created.app!.id,
        credential: created.credential,
        kid: 'second-1',
        secret: Buffer.from(key.secret, 'base64url'),
      };
    });

    after(async () => {
      for (const connection of open) connection.close();
      for (const client of closers) client.close();
      users?.close();
      groups?.close();
      messages?.close();
      apps?.close();
      await gim?.stop();
    });

    void it("refuses every GroupExtService method without metadata or with another user's token (10000)", async () => {
      const [ann, ben] = [await signIn(), await signIn()];
      const { groupId } = await groups.createGroup(
        { group: profile('guarded'), memberIds: [ben.userId] },
        as(ann),
      );
      const [annTop] = await inboxTops([ann]);
      // Every method, with a request that would succeed for the group's owner.
      const calls: Record<
        keyof logicGroupExt.GroupExtServiceClient,
        (metadata: Metadata) => Promise<unknown>
      > = {
        createGroup: (metadata) => groups.createGroup({ group: profile('other'), memberIds: [] }, metadata),
        updateGroup: (metadata) => groups.updateGroup({ group: profile('renamed', groupId) }, metadata),
        getGroup: (metadata) => groups.getGroup({ groupId }, metadata),
        listMyGroups: (metadata) => groups.listMyGroups({}, metadata),
        listMembers: (metadata) => groups.listMembers({ groupId, pageToken: '', limit: 0 }, metadata),
        addMembers: (metadata) => groups.addMembers({ groupId, userIds: [ben.userId] }, metadata),
        removeMember: (metadata) => groups.removeMember({ groupId, userId: ben.userId }, metadata),
        leave: (metadata) => groups.leave({ groupId }, metadata),
        setMemberRole: (metadata) =>
          groups.setMemberRole({ groupId, userId: ben.userId, role: GMT_ADMIN }, metadata),
        transferOwnership: (metadata) => groups.transferOwnership({ groupId, userId: ben.userId }, metadata),
        dissolve: (metadata) => groups.dissolve({ groupId }, metadata),
        sendMessage: (metadata) =>
          groups.sendMessage({ groupId, content: Buffer.from('x'), clientMsgId: 'guarded-1' }, metadata),
      };
      const callers: Array<[string, () => Metadata]> = [
        ['no metadata', () => new Metadata()],
        ["the owner's ids with a member's token", () => identityMetadata({ ...ann, token: ben.token })],
        ['an empty token', () => identityMetadata({ ...ann, token: '' })],
      ];
      for (const [who, metadata] of callers) {
        for (const [method, call] of Object.entries(calls)) {
          await assert.rejects(
            call(metadata()),
            refusedWith(ErrorCode.Unauthorized),
            `${method} with ${who}`,
          );
        }
      }
      // Nothing any of them asked for happened.
      const { group } = await groups.getGroup({ groupId }, as(ann));
      assert.deepEqual([group?.name, group?.memberCount, group?.dissolved], ['guarded', 2, false]);
      await assertNothingStored([ann], [annTop!], 'refused calls');
    });

    void it('refuses every GroupIntService method without a credential or with a wrong one (10000)', async () => {
      const owner = await signIn();
      const { groupId } = await integrator.create({ group: profile('integrated'), members: [member(owner)] });
      const calls: Record<
        keyof logicGroup.GroupIntServiceClient,
        (client: GrpcClient<logicGroup.GroupIntServiceClient>) => Promise<unknown>
      > = {
        push: (client) =>
          client.push({
            groupId,
            command: MessageCommand.MC_GROUP_MESSAGE,
            content: Buffer.from('x'),
            isPersist: true,
          }),
        create: (client) => client.create({ group: profile('forged'), members: [member(owner)] }),
        update: (client) => client.update({ group: profile('forged', groupId) }),
        get: (client) => client.get({ groupId }),
        addMember: (client) => client.addMember({ groupId, members: [member(owner, GMT_ADMIN)] }),
        removeMember: (client) => client.removeMember({ groupId, userIds: [owner.userId] }),
      };
      const forgedCredential = `${second.credential.slice(0, -2)}${second.credential.endsWith('xx') ? 'yy' : 'xx'}`;
      const clients: Array<[string, GrpcClient<logicGroup.GroupIntServiceClient>]> = [
        ['no credential', integratorWith({})],
        ['a wrong internal credential', integratorWith({ internalSecret: `${gim.internalSecret}-not` })],
        ['a forged app credential', integratorWith({ appCredential: forgedCredential })],
        [
          'both credentials at once',
          integratorWith({ internalSecret: gim.internalSecret, appCredential: second.credential }),
        ],
      ];
      for (const [who, client] of clients) {
        for (const [method, call] of Object.entries(calls)) {
          await assert.rejects(call(client), refusedWith(ErrorCode.Unauthorized), `${method} with ${who}`);
        }
      }
      const { group } = await integrator.get({ groupId });
      assert.deepEqual([group?.name, group?.memberCount], ['integrated', 1]);
    });

    void it("keeps a second app's users away from the first app's groups and users", async () => {
      const [ann, ben] = [await signIn(), await signIn()];
      const { groupId } = await groups.createGroup(
        { group: profile('first'), memberIds: [ben.userId] },
        as(ann),
      );
      const tops = await inboxTops([ann, ben]);
      const outsider = identityMetadata({ userId: 42, deviceId: 1, token: await mint(second, 42, 1) });
      const partner = identityMetadata({ userId: 43, deviceId: 1, token: await mint(second, 43, 1) });
      // The first app's group does not exist for the second app's user, whatever it names.
      await assert.rejects(groups.getGroup({ groupId }, outsider), refusedWith(ErrorCode.GroupNotFound));
      await assert.rejects(
        groups.sendMessage({ groupId, content: Buffer.from('hi'), clientMsgId: 'cross-1' }, outsider),
        refusedWith(ErrorCode.GroupNotFound),
      );
      await assert.rejects(
        groups.addMembers({ groupId, userIds: [42] }, outsider),
        refusedWith(ErrorCode.GroupNotFound),
      );
      await assert.rejects(
        groups.removeMember({ groupId, userId: ben.userId }, outsider),
        refusedWith(ErrorCode.GroupNotFound),
      );
      const socket = await connectSignedIn(gim, 'tcp', {
        userId: 42,
        deviceId: 1,
        token: await mint(second, 42, 1),
      });
      open.push(socket);
      await assert.rejects(
        socket.sendToGroup(groupId, 'cross-2', 'hi'),
        new RegExp(`send failed: ${ErrorCode.GroupNotFound} `),
      );
      // The second app's integrator cannot reach the first app's group either.
      const secondIntegrator = integratorWith({ appCredential: second.credential });
      await assert.rejects(
        secondIntegrator.addMember({ groupId, members: [{ ...member(ann), userId: 42 }] }),
        refusedWith(ErrorCode.GroupNotFound),
      );
      await assert.rejects(
        secondIntegrator.removeMember({ groupId, userIds: [ben.userId] }),
        refusedWith(ErrorCode.GroupNotFound),
      );

      // In its own app's group, the first app's user ids name nobody.
      await groups.listMyGroups({}, partner);
      const own = await groups.createGroup({ group: profile('second'), memberIds: [43] }, outsider);
      await assert.rejects(
        groups.createGroup({ group: profile('mixed'), memberIds: [ann.userId] }, outsider),
        refusedWith(ErrorCode.UserNotFound),
      );
      await assert.rejects(
        groups.addMembers({ groupId: own.groupId, userIds: [ann.userId] }, outsider),
        refusedWith(ErrorCode.UserNotFound),
      );
      await assert.rejects(
        groups.removeMember({ groupId: own.groupId, userId: ben.userId }, outsider),
        refusedWith(ErrorCode.UserNotFound),
      );
      await assert.rejects(
        groups.setMemberRole({ groupId: own.groupId, userId: ann.userId, role: GMT_ADMIN }, outsider),
        refusedWith(ErrorCode.UserNotFound),
      );
      await assert.rejects(
        groups.transferOwnership({ groupId: own.groupId, userId: ann.userId }, outsider),
        refusedWith(ErrorCode.UserNotFound),
      );
      await assert.rejects(
        secondIntegrator.addMember({ groupId: own.groupId, members: [member(ann)] }),
        refusedWith(ErrorCode.UserNotFound),
      );
      const mine = await groups.listMembers({ groupId: own.groupId, pageToken: '', limit: 0 }, partner);
      assert.deepEqual(mine.members.map((each) => each.userId).sort(), [42, 43]);
      assert.deepEqual(
        (await groups.listMyGroups({}, as(ann))).groups.map((group) => group.id),
        [groupId],
        "the first app's user is in its own group only",
      );
      await assertNothingStored([ann, ben], tops, "the second app's calls");
    });

    void it('answers bad arguments with 10001, naming the field', async () => {
      const [ann, ben] = [await signIn(), await signIn()];
      const { groupId } = await groups.createGroup(
        { group: profile('strict'), memberIds: [ben.userId] },
        as(ann),
      );
      const owner = as(ann);
      const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
        ['GetGroup group_id 0', () => groups.getGroup({ groupId: 0 }, owner), /groupId/],
        ['UpdateGroup id 0', () => groups.updateGroup({ group: profile('x', 0) }, owner), /id/],
        [
          'UpdateGroup a name over 64',
          () => groups.updateGroup({ group: profile('n'.repeat(65), groupId) }, owner),
          /name/,
        ],
        [
          'ListMembers group_id 0',
          () => groups.listMembers({ groupId: 0, pageToken: '', limit: 0 }, owner),
          /groupId/,
        ],
        [
          'ListMembers a made-up page_token',
          () => groups.listMembers({ groupId, pageToken: 'abc', limit: 0 }, owner),
          /page_token/,
        ],
        ['AddMembers no user', () => groups.addMembers({ groupId, userIds: [] }, owner), /userIds/],
        ['AddMembers user 0', () => groups.addMembers({ groupId, userIds: [0] }, owner), /userIds/],
        ['RemoveMember user 0', () => groups.removeMember({ groupId, userId: 0 }, owner), /userId/],
        ['Leave group_id 0', () => groups.leave({ groupId: 0 }, owner), /groupId/],
        [
          'SetMemberRole GMT_OWNER',
          () => groups.setMemberRole({ groupId, userId: ben.userId, role: GMT_OWNER }, owner),
          /role/,
        ],
        [
          'SetMemberRole GMT_UNKNOWN',
          () => groups.setMemberRole({ groupId, userId: ben.userId, role: 0 }, owner),
          /role/,
        ],
        [
          'TransferOwnership to the owner',
          () => groups.transferOwnership({ groupId, userId: ann.userId }, owner),
          /user_id/,
        ],
        ['Dissolve group_id 0', () => groups.dissolve({ groupId: 0 }, owner), /groupId/],
        [
          'SendMessage group_id 0',
          () => groups.sendMessage({ groupId: 0, content: Buffer.from('x'), clientMsgId: 'bad-1' }, owner),
          /groupId/,
        ],
        ['Int Get group_id 0', () => integrator.get({ groupId: 0 }), /groupId/],
        [
          'Int Push group_id 0',
          () => integrator.push({ groupId: 0, command: 0, content: Buffer.from('x'), isPersist: false }),
          /groupId/,
        ],
        [
          'Int AddMember an unknown status',
          () =>
            integrator.addMember({
              groupId,
              members: [{ ...member(ben), status: 7 as logicGroup.GroupMemberStatus }],
            }),
          /status/,
        ],
        [
          'Int AddMember an unknown type',
          () =>
            integrator.addMember({
              groupId,
              members: [{ ...member(ben), type: 9 as logicGroup.GroupMemberType }],
            }),
          /type/,
        ],
        [
          'Int AddMember an owner',
          () => integrator.addMember({ groupId, members: [member(ben, GMT_OWNER)] }),
          /owner/,
        ],
        [
          'Int Create two owners',
          () =>
            integrator.create({
              group: profile('two'),
              members: [member(ann, GMT_OWNER), member(ben, GMT_OWNER)],
            }),
          /owner/,
        ],
        ['Int RemoveMember user 0', () => integrator.removeMember({ groupId, userIds: [0] }), /userIds/],
        ['Int Update id 0', () => integrator.update({ group: profile('x', 0) }), /id/],
      ];
      for (const [what, call, field] of cases) {
        await assert.rejects(call(), refusedWith(ErrorCode.BadRequest, field), what);
      }
      const { group, me } = await groups.getGroup({ groupId }, owner);
      assert.deepEqual([group?.name, group?.memberCount, me?.type], ['strict', 2, GMT_OWNER]);
    });

    void it('refuses sends from an outsider, a muted member, a removed member and to a dissolved group, storing nothing', async () => {
      const [ann, ben, cat, dan, eve] = [
        await signIn(),
        await signIn(),
        await signIn(),
        await signIn(),
        await signIn(),
      ];
      const { groupId } = await groups.createGroup(
        { group: profile('quiet'), memberIds: [ben.userId, eve.userId] },
        as(ann),
      );
      // The integrator adds cat muted.
      await integrator.addMember({ groupId, members: [member(cat, GMT_MEMBER, GMS_MUTED)] });
      const everyone = [ann, ben, cat, dan, eve];
      const [annTcp, benWs, catTcp, danWs, eveTcp] = await Promise.all(
        everyone.map((session, at) => connect(at % 2 ? 'ws' : 'tcp', session)),
      );
      const sendRefused = async (connection: TestConnection, code: ErrorCode, id: string) =>
        assert.rejects(
          connection.sendToGroup(groupId, id, 'not stored'),
          new RegExp(`send failed: ${code} `),
        );

      let tops = await inboxTops(everyone);
      await sendRefused(danWs!, ErrorCode.UserNotInGroup, 'out-1');
      await assert.rejects(
        groups.sendMessage({ groupId, content: Buffer.from('x'), clientMsgId: 'out-2' }, as(dan)),
        refusedWith(ErrorCode.UserNotInGroup),
      );
      await assertNothingStored(everyone, tops, 'an outsider');

      assert.equal((await groups.getGroup({ groupId }, as(cat))).me?.status, GMS_MUTED);
      await sendRefused(catTcp!, ErrorCode.GroupMemberMuted, 'muted-1');
      await assert.rejects(
        groups.sendMessage({ groupId, content: Buffer.from('x'), clientMsgId: 'muted-2' }, as(cat)),
        refusedWith(ErrorCode.GroupMemberMuted),
      );
      await assertNothingStored(everyone, tops, 'a muted member');
      // A muted member still receives.
      await annTcp!.sendToGroup(groupId, 'heard-1', 'cat hears this');
      const [heard] = await pushesOf(catTcp!, MessageCommand.MC_GROUP_CHAT);
      assert.equal(
        Buffer.from(logicPush.GroupMessagePush.decode(heard!.content).content).toString(),
        'cat hears this',
      );

      await groups.removeMember({ groupId, userId: eve.userId }, as(ann));
      await pushesOf(eveTcp!, MessageCommand.MC_REMOVE_GROUP_MEMBER);
      tops = await inboxTops(everyone);
      await sendRefused(eveTcp!, ErrorCode.UserNotInGroup, 'removed-1');
      await assertNothingStored(everyone, tops, 'a removed member');

      await groups.dissolve({ groupId }, as(ann));
      await pushesOf(benWs!, MessageCommand.MC_UPDATE_GROUP);
      tops = await inboxTops(everyone);
      await sendRefused(benWs!, ErrorCode.GroupDissolved, 'dissolved-1');
      await sendRefused(annTcp!, ErrorCode.GroupDissolved, 'dissolved-2');
      await assert.rejects(
        groups.sendMessage({ groupId, content: Buffer.from('x'), clientMsgId: 'dissolved-3' }, as(ben)),
        refusedWith(ErrorCode.GroupDissolved),
      );
      await assertNothingStored(everyone, tops, 'a dissolved group');
    });

    void it('serves the integrator: Create with a muted member, Update, Get, Push live only and persisted', async () => {
      const [ann, ben, cat] = [await signIn(), await signIn(), await signIn()];
      const { groupId } = await integrator.create({
        group: { ...profile('shop floor'), introduction: 'made by the integrator', extra: '{"k":1}' },
        members: [
          { ...member(ann, GMT_OWNER), nickname: 'boss' },
          member(ben, GMT_ADMIN),
          member(cat, 0, GMS_MUTED),
        ],
      });
      const got = await integrator.get({ groupId });
      assert.deepEqual(got.group, {
        ...profile('shop floor', groupId),
        introduction: 'made by the integrator',
        extra: '{"k":1}',
        memberCount: 3,
      });
      const listed = await groups.listMembers({ groupId, pageToken: '', limit: 0 }, as(ben));
      assert.deepEqual(
        listed.members
          .map((each) => [each.userId, each.type, each.status, each.nickname])
          .sort((a, b) => Number(a[0]) - Number(b[0])),
        [
          [ann.userId, GMT_OWNER, GMS_NORMAL, 'boss'],
          [ben.userId, GMT_ADMIN, GMS_NORMAL, ''],
          [cat.userId, GMT_MEMBER, GMS_MUTED, ''],
        ].sort((a, b) => Number(a[0]) - Number(b[0])),
      );
      const [annWs, benTcp, catTcp] = [
        await connect('ws', ann),
        await connect('tcp', ben),
        await connect('tcp', cat),
      ];
      await assert.rejects(
        catTcp.sendToGroup(groupId, 'created-muted', 'x'),
        new RegExp(`send failed: ${ErrorCode.GroupMemberMuted} `),
      );

      await integrator.update({
        group: { ...profile('renamed floor', groupId), avatarUrl: 'https://a/b.png' },
      });
      for (const connection of [annWs, benTcp, catTcp]) {
        const [notice] = await pushesOf(connection, MessageCommand.MC_UPDATE_GROUP);
        const body = logicPush.UpdateGroupPush.decode(notice!.content);
        assert.deepEqual(
          [body.groupId, body.name, body.avatarUrl, body.optId, body.dissolved],
          [groupId, 'renamed floor', 'https://a/b.png', 0, false],
        );
        assert.ok(notice!.seq > 0, 'the profile notice is stored');
      }
      assert.equal((await integrator.get({ groupId })).group?.name, 'renamed floor');

      const tops = await inboxTops([ann, ben, cat]);
      const live = await integrator.push({
        groupId,
        command: MessageCommand.MC_GROUP_MESSAGE,
        content: Buffer.from('live only'),
        isPersist: false,
      });
      assert.equal(live.messageId, 0);
      for (const connection of [annWs, benTcp, catTcp]) {
        const [pushed] = await pushesOf(connection, MessageCommand.MC_GROUP_MESSAGE);
        assert.deepEqual(
          [Buffer.from(pushed!.content).toString(), pushed!.seq, pushed!.messageId],
          ['live only', 0, 0],
        );
      }
      await assertNothingStored([ann, ben, cat], tops, 'a push with is_persist false');

      const stored = await integrator.push({
        groupId,
        command: MessageCommand.MC_GROUP_MESSAGE,
        content: Buffer.from('kept'),
        isPersist: true,
      });
      assert.ok(stored.messageId > 0);
      for (const [at, session] of [ann, ben, cat].entries()) {
        const synced = await messages.sync({ seq: tops[at]!, limit: 0 }, as(session));
        assert.deepEqual(
          synced.messages.map((message) => [
            message.command,
            Buffer.from(message.content).toString(),
            message.messageId,
          ]),
          [[MessageCommand.MC_GROUP_MESSAGE, 'kept', stored.messageId]],
        );
        assert.equal(synced.messages[0]!.seq, tops[at]! + 1);
      }
      const [live2, kept] = await pushesOf(benTcp, MessageCommand.MC_GROUP_MESSAGE, 2);
      assert.equal(live2!.seq, 0);
      assert.deepEqual([Buffer.from(kept!.content).toString(), kept!.seq], ['kept', tops[1]! + 1]);
    });

    void it('tells every member of profile changes, role changes, leaving and dissolving, as stored notices', async () => {
      const [ann, ben, cat] = [await signIn(), await signIn(), await signIn()];
      // Named before logic first reads the profile (it keeps senders' profiles for a while).
      const annName = 'ann the owner';
      await users.updateUser({ nickname: annName, sex: 0, avatarUrl: '', extra: '' }, as(ann));
      const { groupId } = await groups.createGroup(
        { group: profile('told'), memberIds: [ben.userId, cat.userId] },
        as(ann),
      );
      const connections = [await connect('tcp', ann), await connect('ws', ben), await connect('tcp', cat)];
      const [annTcp, benWs, catTcp] = connections;

      await groups.updateGroup(
        { group: { ...profile('told again', groupId), introduction: 'news' } },
        as(ann),
      );
      for (const connection of connections) {
        const [notice] = await pushesOf(connection, MessageCommand.MC_UPDATE_GROUP);
        const body = logicPush.UpdateGroupPush.decode(notice!.content);
        assert.deepEqual(
          [body.groupId, body.name, body.introduction, body.optId, body.optName, body.dissolved],
          [groupId, 'told again', 'news', ann.userId, annName, false],
        );
      }

      await groups.setMemberRole({ groupId, userId: ben.userId, role: GMT_ADMIN }, as(ann));
      for (const connection of connections) {
        const [notice] = await pushesOf(connection, MessageCommand.MC_UPDATE_GROUP_MEMBER);
        const body = logicPush.UpdateGroupMemberPush.decode(notice!.content);
        assert.deepEqual(
          [body.groupId, body.optId, body.optName, body.members.map((each) => [each.userId, each.type])],
          [groupId, ann.userId, annName, [[ben.userId, GMT_ADMIN]]],
        );
      }
      // Setting the role a member has changes nothing and tells nobody.
      await groups.setMemberRole({ groupId, userId: ben.userId, role: GMT_ADMIN }, as(ann));

      await groups.transferOwnership({ groupId, userId: ben.userId }, as(ann));
      for (const connection of connections) {
        const notices = await pushesOf(connection, MessageCommand.MC_UPDATE_GROUP_MEMBER, 2);
        const body = logicPush.UpdateGroupMemberPush.decode(notices[1]!.content);
        assert.deepEqual(
          [body.optId, body.members.map((each) => [each.userId, each.type]).sort((a, b) => a[0]! - b[0]!)],
          [
            ann.userId,
            [
              [ann.userId, GMT_ADMIN],
              [ben.userId, GMT_OWNER],
            ].sort((a, b) => a[0]! - b[0]!),
          ],
        );
      }
      assert.equal((await groups.getGroup({ groupId }, as(ben))).me?.type, GMT_OWNER);

      await groups.leave({ groupId }, as(cat));
      for (const connection of connections) {
        const [notice] = await pushesOf(connection, MessageCommand.MC_REMOVE_GROUP_MEMBER);
        const body = logicPush.RemoveGroupMemberPush.decode(notice!.content);
        assert.deepEqual([body.groupId, body.userId, body.optId], [groupId, cat.userId, cat.userId]);
      }

      await groups.dissolve({ groupId }, as(ben));
      for (const connection of [annTcp!, benWs!]) {
        const notices = await pushesOf(connection, MessageCommand.MC_UPDATE_GROUP, 2);
        const body = logicPush.UpdateGroupPush.decode(notices[1]!.content);
        assert.deepEqual(
          [body.groupId, body.name, body.optId, body.dissolved],
          [groupId, 'told again', ben.userId, true],
        );
      }

      // Every notice is stored, in order: a member that syncs sees the same ones; cat's end where it left.
      const expected = [
        MessageCommand.MC_ADD_GROUP_MEMBERS,
        MessageCommand.MC_UPDATE_GROUP,
        MessageCommand.MC_UPDATE_GROUP_MEMBER,
        MessageCommand.MC_UPDATE_GROUP_MEMBER,
        MessageCommand.MC_REMOVE_GROUP_MEMBER,
      ];
      const synced = async (session: Session) =>
        (await messages.sync({ seq: 0, limit: 0 }, as(session))).messages.map((message) => message.command);
      assert.deepEqual(await synced(ann), [...expected, MessageCommand.MC_UPDATE_GROUP]);
      assert.deepEqual(await synced(ben), [...expected, MessageCommand.MC_UPDATE_GROUP]);
      assert.deepEqual(await synced(cat), expected);
      assert.equal(
        catTcp!.pushes.filter((message) => message.command === MessageCommand.MC_UPDATE_GROUP).length,
        1,
      );
    });

    void it("delivers a group message to the sender's other device with the sender's seq", async () => {
      const ann = await signIn();
      const annPhone = String(phone - 1);
      const annTablet = await phoneSignIn(users, annPhone);
      assert.equal(annTablet.userId, ann.userId);
      assert.notEqual(annTablet.deviceId, ann.deviceId);
      const ben = await signIn();
      const { groupId } = await groups.createGroup(
        { group: profile('devices'), memberIds: [ben.userId] },
        as(ann),
      );
      const phoneTcp = await connect('tcp', ann);
      const tabletWs = await connect('ws', annTablet);
      const benTcp = await connect('tcp', ben);

      const sent = await phoneTcp.sendToGroup(groupId, 'devices-1', 'from my phone');
      const [onTablet] = await pushesOf(tabletWs, MessageCommand.MC_GROUP_CHAT);
      const [onPhone] = await pushesOf(phoneTcp, MessageCommand.MC_GROUP_CHAT);
      const [onBen] = await pushesOf(benTcp, MessageCommand.MC_GROUP_CHAT);
      assert.deepEqual([onTablet!.seq, onTablet!.messageId], [sent.seq, sent.messageId]);
      assert.deepEqual([onPhone!.seq, onPhone!.messageId], [sent.seq, sent.messageId]);
      assert.equal(onBen!.messageId, sent.messageId);
      const body = logicPush.GroupMessagePush.decode(onTablet!.content);
      assert.deepEqual(
        [Buffer.from(body.content).toString(), body.fromUser?.userId, body.fromUser?.deviceId],
        ['from my phone', ann.userId, ann.deviceId],
      );
      // Over gRPC too: the phone receives what the tablet sent.
      const fromTablet = await groups.sendMessage(
        { groupId, content: Buffer.from('from my tablet'), clientMsgId: 'devices-2' },
        as(annTablet),
      );
      const chats = await pushesOf(phoneTcp, MessageCommand.MC_GROUP_CHAT, 2);
      assert.deepEqual([chats[1]!.seq, chats[1]!.messageId], [fromTablet.seq, fromTablet.messageId]);
      assert.equal(
        logicPush.GroupMessagePush.decode(chats[1]!.content).fromUser?.deviceId,
        annTablet.deviceId,
      );
    });
  });
}
