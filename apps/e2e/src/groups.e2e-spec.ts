// Groups, against both deployments: a group created by a client, members added by an integrator, messages from
// TCP and WebSocket members with each member's own seq, sync for an offline member, membership notices, role
// rules with their codes, a removed member, a dissolved group, and 40 concurrent sends.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { businessUserExt, logicGroup, logicGroupExt, logicPush } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { MessageCommand, type Message } from '@gim/protocol';
import { identityMetadata, type GrpcClient } from '@gim/rpc';
import type { Metadata } from '@grpc/grpc-js';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import {
  appIntClient,
  connectSignedIn,
  groupExtClient,
  groupProfile,
  groupIntClient,
  phoneSignIn,
  type Session,
  userExtClient,
} from './support/sessions';
import { TestConnection } from './support/test-connection';

function groupText(message: Message): string {
  assert.equal(message.command, MessageCommand.MC_GROUP_CHAT);
  return Buffer.from(logicPush.GroupMessagePush.decode(message.content).content).toString();
}

const onlyChat = (messages: readonly Message[]): Message[] =>
  messages.filter((message) => message.command === MessageCommand.MC_GROUP_CHAT);

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`groups (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let groups: GrpcClient<logicGroupExt.GroupExtServiceClient>;
    let integrator: GrpcClient<logicGroup.GroupIntServiceClient>;
    const open: TestConnection[] = [];
    let phone = 13_900_000_000 + Math.floor(Math.random() * 90_000_000);

    const signIn = (): Promise<Session> => phoneSignIn(users, String(phone++));
    const connect = async (transport: 'tcp' | 'ws', session: Session): Promise<TestConnection> => {
      const connection = await connectSignedIn(gim, transport, session);
      open.push(connection);
      return connection;
    };
    const as = (session: Session): Metadata => identityMetadata(session);
    const refusedWith = (code: ErrorCode) => ({ code });

    before(async () => {
      gim = mode === 'cluster' ? await startCluster() : await startStandalone();
      users = userExtClient(gim);
      groups = groupExtClient(gim);
      integrator = groupIntClient(gim);
    });

    after(async () => {
      for (const connection of open) connection.close();
      users?.close();
      groups?.close();
      integrator?.close();
      await gim?.stop();
    });

    void it("delivers a group message to every member with each one's seq, live and by sync, and tells membership changes", async () => {
      const [ann, ben, cat] = [await signIn(), await signIn(), await signIn()];
      const annTcp = await connect('tcp', ann);
      const benWs = await connect('ws', ben);
      const { groupId } = await groups.createGroup(
        { group: groupProfile('team'), memberIds: [ben.userId] },
        as(ann),
      );
      await integrator.addMember({
        groupId,
        members: [
          {
            userId: cat.userId,
            nickname: 'cat',
            type: logicGroup.GroupMemberType.GMT_MEMBER,
            status: 1,
            extra: '',
          },
        ],
      });
      const seen = await groups.getGroup({ groupId }, as(cat));
      assert.equal(seen.group?.memberCount, 3);
      assert.equal(seen.me?.type, logicGroup.GroupMemberType.GMT_MEMBER);

      const fromAnn = await annTcp.sendToGroup(groupId, 'g-1', 'hello team');
      const fromBen = await benWs.sendToGroup(groupId, 'g-2', 'hi from the browser');
      const annChat = onlyChat(await annTcp.waitForPushes(4));
      const benChat = onlyChat(await benWs.waitForPushes(4));
      assert.deepEqual(annChat.map(groupText), ['hello team', 'hi from the browser']);
      assert.deepEqual(benChat.map(groupText), ['hello team', 'hi from the browser']);
      assert.equal(annChat[0]?.seq, fromAnn.seq, "the sender's copy has the sender's seq");
      assert.equal(benChat[1]?.seq, fromBen.seq);
      assert.equal(annChat[0]?.messageId, benChat[0]?.messageId, 'stored once');
      assert.equal(benChat[1]!.seq, benChat[0]!.seq + 1);
      // The sender, as its app names it, travels in the body.
      const body = logicPush.GroupMessagePush.decode(annChat[0]!.content);
      assert.deepEqual(
        [body.fromUser?.userId, body.fromUser?.deviceId, body.groupId],
        [ann.userId, ann.deviceId, groupId],
      );

      // Cat was offline: it syncs the notices and both messages, in order.
      const catTcp = await connect('tcp', cat);
      const inbox = await catTcp.sync(0);
      assert.deepEqual(
        inbox.messages.map((message) => message.command),
        [MessageCommand.MC_ADD_GROUP_MEMBERS, MessageCommand.MC_GROUP_CHAT, MessageCommand.MC_GROUP_CHAT],
      );
      const added = logicPush.AddGroupMembersPush.decode(inbox.messages[0]!.content);
      assert.deepEqual([added.groupId, added.userIds], [groupId, [cat.userId]]);
      assert.deepEqual(onlyChat(inbox.messages).map(groupText), ['hello team', 'hi from the browser']);

      // Removed by the integrator: cat learns it, stops receiving, and cannot send.
      await integrator.removeMember({ groupId, userIds: [cat.userId] });
      const [removed] = (await catTcp.waitForPushes(1)).filter(
        (message) => message.command === MessageCommand.MC_REMOVE_GROUP_MEMBER,
      );
      assert.equal(logicPush.RemoveGroupMemberPush.decode(removed!.content).userId, cat.userId);
      await annTcp.sendToGroup(groupId, 'g-3', 'after cat left');
      await assert.rejects(
        catTcp.sendToGroup(groupId, 'g-4', 'let me in'),
        new RegExp(`send failed: ${ErrorCode.UserNotInGroup} `),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(onlyChat(catTcp.pushes).length, 0);
    });

    void it('enforces the roles, each refusal with its code', async () => {
      const [owner, admin, member, outsider] = [
        await signIn(),
        await signIn(),
        await signIn(),
        await signIn(),
      ];
      const { groupId } = await groups.createGroup(
        { group: groupProfile('roles'), memberIds: [admin.userId, member.userId] },
        as(owner),
      );
      await assert.rejects(groups.getGroup({ groupId }, as(outsider)), refusedWith(ErrorCode.UserNotInGroup));
      await assert.rejects(
        groups.addMembers({ groupId, userIds: [outsider.userId] }, as(member)),
        refusedWith(ErrorCode.GroupRoleRefused),
      );
      await assert.rejects(
        groups.setMemberRole(
          { groupId, userId: admin.userId, role: logicGroup.GroupMemberType.GMT_ADMIN },
          as(member),
        ),
        refusedWith(ErrorCode.GroupRoleRefused),
      );
      await groups.setMemberRole(
        { groupId, userId: admin.userId, role: logicGroup.GroupMemberType.GMT_ADMIN },
        as(owner),
      );
      await groups.addMembers({ groupId, userIds: [outsider.userId] }, as(admin));
      // Adding a member again changes nothing.
      await groups.addMembers({ groupId, userIds: [outsider.userId] }, as(owner));
      assert.equal((await groups.getGroup({ groupId }, as(owner))).group?.memberCount, 4);
      await assert.rejects(
        groups.removeMember({ groupId, userId: owner.userId }, as(admin)),
        refusedWith(ErrorCode.GroupRoleRefused),
      );
      await groups.setMemberRole(
        { groupId, userId: member.userId, role: logicGroup.GroupMemberType.GMT_ADMIN },
        as(owner),
      );
      await assert.rejects(
        groups.removeMember({ groupId, userId: member.userId }, as(admin)),
        refusedWith(ErrorCode.GroupRoleRefused),
      );
      await groups.removeMember({ groupId, userId: outsider.userId }, as(admin));
      await assert.rejects(
        groups.leave({ groupId }, as(owner)),
        refusedWith(ErrorCode.GroupOwnerMustTransfer),
      );
      await assert.rejects(groups.dissolve({ groupId }, as(admin)), refusedWith(ErrorCode.GroupRoleRefused));
      await groups.transferOwnership({ groupId, userId: admin.userId }, as(owner));
      await groups.leave({ groupId }, as(owner));
      const page = await groups.listMembers({ groupId, pageToken: '', limit: 1 }, as(admin));
      assert.equal(page.members.length, 1);
      const rest = await groups.listMembers({ groupId, pageToken: page.nextPageToken, limit: 10 }, as(admin));
      assert.deepEqual(
        [...page.members, ...rest.members]
          .map((each) => [each.userId, each.type])
          .sort((a, b) => a[0]! - b[0]!),
        [
          [admin.userId, logicGroup.GroupMemberType.GMT_OWNER],
          [member.userId, logicGroup.GroupMemberType.GMT_ADMIN],
        ].sort((a, b) => a[0]! - b[0]!),
      );
      assert.equal(rest.nextPageToken, '');
      const mine = await groups.listMyGroups({}, as(member));
      assert.ok(mine.groups.some((group) => group.id === groupId));

      await groups.dissolve({ groupId }, as(admin));
      await assert.rejects(
        groups.sendMessage({ groupId, content: Buffer.from('anyone?'), clientMsgId: '' }, as(member)),
        refusedWith(ErrorCode.GroupDissolved),
      );
      assert.equal((await groups.getGroup({ groupId }, as(member))).group?.dissolved, true);
      await assert.rejects(
        groups.getGroup({ groupId: 999_999_999 }, as(member)),
        refusedWith(ErrorCode.GroupNotFound),
      );
    });

    void it('gives every member contiguous seqs and each message once under 40 concurrent sends', async () => {
      const members = [await signIn(), await signIn(), await signIn()];
      const { groupId } = await groups.createGroup(
        { group: groupProfile('busy'), memberIds: members.slice(1).map((member) => member.userId) },
        as(members[0]!),
      );
      const connections = await Promise.all(
        members.map((member, at) => connect(at % 2 ? 'ws' : 'tcp', member)),
      );
      await Promise.all(
        Array.from({ length: 40 }, (_, at) =>
          connections[at % connections.length]!.sendToGroup(groupId, `burst-${at}`, `message ${at}`),
        ),
      );
      for (const connection of connections) {
        const all = (await connection.syncAll(0, 100)).messages;
        const chat = onlyChat(all);
        assert.equal(chat.length, 40);
        assert.equal(new Set(chat.map((message) => message.messageId)).size, 40, 'each message once');
        const seqs = all.map((message) => message.seq);
        assert.deepEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, at) => seqs[0]! + at),
          'contiguous',
        );
      }
    });

    void it('keeps groups inside their app', async () => {
      const owner = await signIn();
      const { groupId } = await groups.createGroup({ group: groupProfile('mine'), memberIds: [] }, as(owner));
      const apps = appIntClient(gim);
      const other = groupIntClient(gim, {
        appCredential: (await apps.createApp({ name: 'elsewhere' })).credential,
      });
      try {
        await assert.rejects(other.get({ groupId }), refusedWith(ErrorCode.GroupNotFound));
        await assert.rejects(
          other.push({
            groupId,
            command: MessageCommand.MC_GROUP_MESSAGE,
            content: Buffer.from('x'),
            isPersist: true,
          }),
          refusedWith(ErrorCode.GroupNotFound),
        );
        await assert.rejects(
          other.create({
            group: groupProfile('theirs'),
            members: [{ userId: owner.userId, nickname: '', type: 2, status: 1, extra: '' }],
          }),
          refusedWith(ErrorCode.UserNotFound),
        );
      } finally {
        other.close();
        apps.close();
      }
    });
  });
}
