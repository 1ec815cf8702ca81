// Group membership against concurrent sends, against both deployments: a member removed while messages are being
// sent gets none stored after its removal notice; the size limit holds under concurrent adds and on every API that
// adds; concurrent group and one-to-one sends give every member contiguous seqs and each message once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { businessUserExt, logicGroup, logicGroupExt, logicPush } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { MessageCommand, type Message, type SendMessageReply } from '@gim/protocol';
import { identityMetadata, type GrpcClient } from '@gim/rpc';
import type { Metadata } from '@grpc/grpc-js';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import {
  connectSignedIn,
  groupExtClient,
  groupProfile,
  groupIntClient,
  phoneSignIn,
  type Session,
  userExtClient,
} from './support/sessions';
import { TestConnection } from './support/test-connection';

/** GIM_GROUP_MAX_MEMBERS of the deployments under test. */
const MAX_MEMBERS = 5;

const chatOf = (messages: readonly Message[], command: MessageCommand): Message[] =>
  messages.filter((message) => message.command === command);

function assertContiguous(messages: readonly Message[], who: string): void {
  const seqs = messages.map((message) => message.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, at) => at + 1),
    `${who}: seqs from 1 without gap`,
  );
  assert.equal(
    new Set(messages.map((message) => message.messageId)).size,
    messages.length,
    `${who}: each message once`,
  );
}

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`group integrity (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let groups: GrpcClient<logicGroupExt.GroupExtServiceClient>;
    let integrator: GrpcClient<logicGroup.GroupIntServiceClient>;
    const open: TestConnection[] = [];
    let phone = 13_700_000_000 + Math.floor(Math.random() * 90_000_000);

    const signIn = (): Promise<Session> => phoneSignIn(users, String(phone++));
    const signInMany = (count: number): Promise<Session[]> =>
      Promise.all(Array.from({ length: count }, () => signIn()));
    const connect = async (transport: 'tcp' | 'ws', session: Session): Promise<TestConnection> => {
      const connection = await connectSignedIn(gim, transport, session);
      open.push(connection);
      return connection;
    };
    const as = (session: Session): Metadata => identityMetadata(session);
    const asMember = (session: Session): logicGroup.GroupMember => ({
      userId: session.userId,
      nickname: '',
      type: logicGroup.GroupMemberType.GMT_MEMBER,
      status: logicGroup.GroupMemberStatus.GMS_NORMAL,
      extra: '',
    });
    const refusedWith = (code: ErrorCode) => ({ code });
    const memberCount = async (groupId: number, owner: Session): Promise<number> =>
      (await groups.getGroup({ groupId }, as(owner))).group?.memberCount ?? -1;
    const listed = async (groupId: number, owner: Session): Promise<number> =>
      (await groups.listMembers({ groupId, pageToken: '', limit: 100 }, as(owner))).members.length;

    before(async () => {
      const env = { GIM_GROUP_MAX_MEMBERS: String(MAX_MEMBERS) };
      gim = mode === 'cluster' ? await startCluster({ env }) : await startStandalone({ env });
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

    void it('stores nothing for a member after its removal notice while the others keep sending', async () => {
      const [ann, ben, cat, dan] = await signInMany(4);
      const { groupId } = await groups.createGroup(
        { group: groupProfile('removal'), memberIds: [ben, cat, dan].map((member) => member.userId) },
        as(ann),
      );
      const [annTcp, benWs, catTcp, danWs] = await Promise.all([
        connect('tcp', ann),
        connect('ws', ben),
        connect('tcp', cat),
        connect('ws', dan),
      ]);
      const PER_SENDER = 25;
      let removed = false;
      // Each sender sends one message after another; cat goes on until it is refused.
      const stream = async (connection: TestConnection, name: string): Promise<SendMessageReply[]> => {
        const replies: SendMessageReply[] = [];
        for (let at = 0; at < PER_SENDER; at++) {
          try {
            replies.push(await connection.sendToGroup(groupId, `${name}-${at}`, `${name} ${at}`));
          } catch (error) {
            if (name !== 'cat') throw error;
            assert.match(String(error), new RegExp(`send failed: ${ErrorCode.UserNotInGroup} `));
            assert.ok(removed, 'refused only once removed');
            break;
          }
        }
        return replies;
      };
      const streams = [
        stream(annTcp, 'ann'),
        stream(benWs, 'ben'),
        stream(catTcp, 'cat'),
        stream(danWs, 'dan'),
      ];
      // Remove cat once the sends are flowing.
      await benWs.waitForPushes(12);
      const removal = integrator.removeMember({ groupId, userIds: [cat.userId] });
      removed = true;
      await removal;
      const [annSent, benSent, catSent, danSent] = await Promise.all(streams);
      assert.ok(catSent.length < PER_SENDER, 'cat was refused after its removal');

      const inboxOf = async (connection: TestConnection) => (await connection.syncAll(0, 50)).messages;
      const catInbox = await inboxOf(catTcp);
      const [notice] = chatOf(catInbox, MessageCommand.MC_REMOVE_GROUP_MEMBER);
      assert.ok(notice, 'cat learned its removal');
      assert.equal(logicPush.RemoveGroupMemberPush.decode(notice.content).userId, cat.userId);
      assert.deepEqual(
        catInbox.filter((message) => message.seq > notice.seq).map((message) => message.messageId),
        [],
        'nothing stored for cat after its removal notice',
      );
      for (const reply of catSent) assert.ok(reply.seq < notice.seq, "cat's accepted sends came before");

      const sent = [...annSent, ...benSent, ...catSent, ...danSent].map((reply) => reply.messageId);
      const others = { ann: annTcp, ben: benWs, dan: danWs };
      let afterRemoval = 0;
      for (const [name, connection] of Object.entries(others)) {
        const inbox = await inboxOf(connection);
        assertContiguous(inbox, name);
        const chat = chatOf(inbox, MessageCommand.MC_GROUP_CHAT);
        assert.deepEqual(
          chat.map((message) => message.messageId).sort((a, b) => a - b),
          [...sent].sort((a, b) => a - b),
          `${name} got every accepted message once`,
        );
        const removalSeq = chatOf(inbox, MessageCommand.MC_REMOVE_GROUP_MEMBER)[0]?.seq ?? 0;
        afterRemoval = Math.max(afterRemoval, chat.filter((message) => message.seq > removalSeq).length);
      }
      assert.ok(afterRemoval > 0, 'messages were still being sent after the removal');
      const catChat = new Set(
        chatOf(catInbox, MessageCommand.MC_GROUP_CHAT).map((message) => message.messageId),
      );
      assert.ok([...catChat].every((id) => sent.includes(id)));
    });

    void it(`holds a group to ${MAX_MEMBERS} members on every API that adds, members already in not counting`, async () => {
      const [owner, ...rest] = await signInMany(7);
      const [a, b, c, d, e, f] = rest as [Session, Session, Session, Session, Session, Session];
      await assert.rejects(
        groups.createGroup(
          { group: groupProfile('too big'), memberIds: [a, b, c, d, e].map((x) => x.userId) },
          as(owner),
        ),
        refusedWith(ErrorCode.GroupFull),
      );
      await assert.rejects(
        integrator.create({ group: groupProfile('too big'), members: [owner, a, b, c, d, e].map(asMember) }),
        refusedWith(ErrorCode.GroupFull),
      );

      const { groupId } = await groups.createGroup(
        { group: groupProfile('full'), memberIds: [a.userId, b.userId] },
        as(owner),
      );
      await assert.rejects(
        groups.addMembers({ groupId, userIds: [c.userId, d.userId, e.userId] }, as(owner)),
        refusedWith(ErrorCode.GroupFull),
      );
      assert.equal(await memberCount(groupId, owner), 3, 'a refused add adds no one');
      await groups.addMembers({ groupId, userIds: [c.userId, d.userId] }, as(owner));
      assert.equal(await memberCount(groupId, owner), MAX_MEMBERS);
      // Members already in do not count, whoever adds them.
      await groups.addMembers({ groupId, userIds: [a.userId, b.userId, c.userId] }, as(owner));
      await integrator.addMember({ groupId, members: [a, d].map(asMember) });
      await assert.rejects(
        groups.addMembers({ groupId, userIds: [a.userId, e.userId] }, as(owner)),
        refusedWith(ErrorCode.GroupFull),
      );
      await assert.rejects(
        integrator.addMember({ groupId, members: [b, f].map(asMember) }),
        refusedWith(ErrorCode.GroupFull),
      );
      assert.equal(await memberCount(groupId, owner), MAX_MEMBERS);
      assert.equal(await listed(groupId, owner), MAX_MEMBERS);
    });

    void it('never passes the limit under concurrent adds, and adds a user named by concurrent adds once', async () => {
      const [owner, ...candidates] = await signInMany(9);
      const { groupId } = await groups.createGroup({ group: groupProfile('race'), memberIds: [] }, as(owner));
      const results = await Promise.allSettled(
        candidates.map((candidate, at) =>
          at % 2
            ? groups.addMembers({ groupId, userIds: [candidate.userId] }, as(owner))
            : integrator.addMember({ groupId, members: [asMember(candidate)] }),
        ),
      );
      const refused = results.filter((result) => result.status === 'rejected');
      for (const result of refused)
        assert.equal((result.reason as { code?: number }).code, ErrorCode.GroupFull, String(result.reason));
      assert.equal(results.length - refused.length, MAX_MEMBERS - 1, 'the adds that fit, and no more');
      assert.equal(await memberCount(groupId, owner), MAX_MEMBERS);
      assert.equal(await listed(groupId, owner), MAX_MEMBERS);

      const [lead, late] = await signInMany(2);
      const { groupId: second } = await groups.createGroup(
        { group: groupProfile('same'), memberIds: [] },
        as(lead!),
      );
      await Promise.all(
        Array.from({ length: 6 }, () =>
          groups.addMembers({ groupId: second, userIds: [late!.userId] }, as(lead!)),
        ),
      );
      assert.equal(await memberCount(second, lead!), 2);
      const lateTcp = await connect('tcp', late!);
      const added = chatOf((await lateTcp.syncAll(0, 50)).messages, MessageCommand.MC_ADD_GROUP_MEMBERS);
      assert.equal(added.length, 1, 'one join, told once');
    });

    void it('gives contiguous seqs and each message once to members sent to by their group and one to one at once', async () => {
      const members = await signInMany(3);
      const [ann, ben, cat] = members as [Session, Session, Session];
      const { groupId } = await groups.createGroup(
        { group: groupProfile('mixed'), memberIds: [ben.userId, cat.userId] },
        as(ann),
      );
      const connections = await Promise.all(
        members.map((member, at) => connect(at % 2 ? 'ws' : 'tcp', member)),
      );
      const SENDS = 30;
      const direct: Array<{ from: number; to: number }> = [];
      const work: Promise<SendMessageReply>[] = [];
      for (let at = 0; at < SENDS; at++) {
        const from = at % 3;
        const to = (at + 1) % 3;
        work.push(connections[from]!.sendToGroup(groupId, `g-${at}`, `group ${at}`));
        work.push(connections[from]!.send(members[to]!.userId, `u-${at}`, `direct ${at}`));
        direct.push({ from, to });
      }
      await Promise.all(work);
      for (const [at, connection] of connections.entries()) {
        const inbox = (await connection.syncAll(0, 40)).messages;
        const name = ['ann', 'ben', 'cat'][at]!;
        assertContiguous(inbox, name);
        assert.equal(
          chatOf(inbox, MessageCommand.MC_GROUP_CHAT).length,
          SENDS,
          `${name}: every group message`,
        );
        assert.equal(
          chatOf(inbox, MessageCommand.MC_USER_CHAT).length,
          direct.filter((pair) => pair.from === at || pair.to === at).length,
          `${name}: every one-to-one message it sent or got`,
        );
      }
    });
  });
}
