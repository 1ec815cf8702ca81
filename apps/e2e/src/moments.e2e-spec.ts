// Moments, against both deployments: a friend's moment with an uploaded picture shows in the timeline with its like and
// comment, the author learns of both live, a stranger and a blocked user see nothing, and deletions hold.
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Metadata } from '@grpc/grpc-js';
import { businessFriend, businessMoment, businessUserExt } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import { createGrpcClient, identityMetadata, type GrpcClient } from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { connectSignedIn, phoneSignIn, type Session } from './support/sessions';
import { TestConnection } from './support/test-connection';

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`moments (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let friends: GrpcClient<businessFriend.FriendExtServiceClient>;
    let moments: GrpcClient<businessMoment.MomentExtServiceClient>;
    const open: TestConnection[] = [];
    let phone = 13_500_000_000 + Math.floor(Math.random() * 90_000_000);

    const signIn = (): Promise<Session> => phoneSignIn(users, String(phone++));
    const as = (session: Session): Metadata => identityMetadata(session);
    const befriend = async (a: Session, b: Session): Promise<void> => {
      await friends.add({ friendId: b.userId, remarks: '', description: '' }, as(a));
      await friends.agree({ userId: a.userId, remarks: '' }, as(b));
    };

    before(async () => {
      gim = mode === 'cluster' ? await startCluster() : await startStandalone();
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
      moments = createGrpcClient({
        address,
        files: ['business/moment.ext.proto'],
        service: 'business.MomentExtService',
      });
    });

    after(async () => {
      for (const connection of open) connection.close();
      for (const client of [users, friends, moments]) client?.close();
      await gim?.stop();
    });

    void it("shows a friend's moment with its like and comment, tells the author, hides it from others", async () => {
      const [ann, ben, cat] = [await signIn(), await signIn(), await signIn()];
      await befriend(ann, ben);
      const annTcp = await connectSignedIn(gim, 'tcp', ann);
      open.push(annTcp);

      const form = new FormData();
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        randomBytes(64),
      ]);
      form.append('file', new Blob([png], { type: 'image/png' }), 'sunset.png');
      const uploadedReply = await fetch(`http://127.0.0.1:${gim.ports.file}/upload`, {
        method: 'POST',
        headers: { user_id: String(ann.userId), device_id: String(ann.deviceId), token: ann.token },
        body: form,
      });
      const uploadBody = (await uploadedReply.json()) as { code: number; data: { url: string } };
      assert.equal(uploadBody.code, 0);
      const picture = uploadBody.data.url;
      const served = await fetch(new URL(picture, `http://127.0.0.1:${gim.ports.file}`));
      assert.deepEqual(Buffer.from(await served.arrayBuffer()), png, 'the picture is served');
      const posted = await moments.post({ text: 'sunset', fileUrls: [picture] }, as(ann));
      const own = await moments.post({ text: 'by ben', fileUrls: [] }, as(ben));

      const seen = await moments.timeline({ beforeId: 0, limit: 0 }, as(ben));
      assert.deepEqual(
        seen.moments.map((m) => [m.momentId, m.userId, m.text, m.fileUrls]),
        [
          [own.momentId, ben.userId, 'by ben', []],
          [posted.momentId, ann.userId, 'sunset', [picture]],
        ],
        "the reader's own and its friend's, newest first",
      );

      await moments.like({ momentId: posted.momentId }, as(ben));
      await moments.like({ momentId: posted.momentId }, as(ben));
      const { commentId } = await moments.comment({ momentId: posted.momentId, text: 'lovely' }, as(ben));
      const told = await annTcp.waitForPushes(2);
      assert.deepEqual(
        told.map((message) => message.command),
        [MessageCommand.MC_MOMENT_LIKED, MessageCommand.MC_MOMENT_COMMENTED],
        'one like notice (a second like changes nothing), then the comment',
      );
      const notice = businessMoment.MomentNoticePush.decode(told[1]?.content ?? Buffer.alloc(0));
      assert.deepEqual(
        [notice.momentId, notice.userId, notice.commentId, notice.text],
        [posted.momentId, ben.userId, commentId, 'lovely'],
      );

      const withCounts = (await moments.timeline({ beforeId: 0, limit: 0 }, as(ann))).moments.find(
        (moment) => moment.momentId === posted.momentId,
      );
      assert.deepEqual([withCounts?.likeCount, withCounts?.commentCount, withCounts?.liked], [1, 1, false]);
      const detail = await moments.get({ momentId: posted.momentId }, as(ben));
      assert.deepEqual(
        detail.comments.map((c) => [c.userId, c.text]),
        [[ben.userId, 'lovely']],
      );
      assert.deepEqual(detail.likedBy, [ben.userId]);
      assert.equal(detail.moment?.liked, true);

      const notFound = { code: ErrorCode.MomentNotFound };
      assert.deepEqual((await moments.timeline({ beforeId: 0, limit: 0 }, as(cat))).moments, []);
      await assert.rejects(moments.get({ momentId: posted.momentId }, as(cat)), notFound);
      await assert.rejects(moments.like({ momentId: posted.momentId }, as(cat)), notFound);
      await assert.rejects(moments.comment({ momentId: posted.momentId, text: 'hi' }, as(cat)), notFound);
      await assert.rejects(
        moments.delete({ momentId: posted.momentId }, as(ben)),
        notFound,
        "not ben's to delete",
      );
      await assert.rejects(moments.deleteComment({ commentId }, as(cat)), notFound);

      await friends.block({ userId: ann.userId }, as(ben));
      assert.deepEqual(
        (await moments.timeline({ beforeId: 0, limit: 0 }, as(ben))).moments.map((m) => m.momentId),
        [own.momentId],
        'a blocked friend is never shown',
      );
      await assert.rejects(moments.get({ momentId: posted.momentId }, as(ben)), notFound);
      await friends.unblock({ userId: ann.userId }, as(ben));

      await moments.deleteComment({ commentId }, as(ben));
      await moments.unlike({ momentId: posted.momentId }, as(ben));
      const after = await moments.get({ momentId: posted.momentId }, as(ann));
      assert.deepEqual([after.moment?.likeCount, after.moment?.commentCount, after.comments], [0, 0, []]);
      await moments.delete({ momentId: posted.momentId }, as(ann));
      await assert.rejects(moments.get({ momentId: posted.momentId }, as(ann)), notFound);
    });

    void it('pages the timeline by cursor and refuses bad input and callers without a sign-in', async () => {
      const dan = await signIn();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await moments.post({ text: `m${i}`, fileUrls: [] }, as(dan))).momentId);
      const first = await moments.timeline({ beforeId: 0, limit: 2 }, as(dan));
      const second = await moments.timeline({ beforeId: first.nextBeforeId, limit: 2 }, as(dan));
      const third = await moments.timeline({ beforeId: second.nextBeforeId, limit: 2 }, as(dan));
      assert.deepEqual(
        [...first.moments, ...second.moments, ...third.moments].map((m) => m.momentId),
        [...ids].reverse(),
      );
      assert.equal(third.nextBeforeId, 0);

      const bad = { code: ErrorCode.BadRequest };
      await assert.rejects(moments.post({ text: '', fileUrls: [] }, as(dan)), bad);
      await assert.rejects(moments.post({ text: 'x', fileUrls: ['../../etc/passwd'] }, as(dan)), bad);
      await assert.rejects(
        moments.post({ text: 'x', fileUrls: Array(10).fill('/file/a.png') }, as(dan)),
        bad,
      );
      await assert.rejects(moments.post({ text: 'x'.repeat(2001), fileUrls: [] }, as(dan)), bad);
      await assert.rejects(moments.comment({ momentId: ids[0] ?? 0, text: '' }, as(dan)), bad);
      await assert.rejects(
        moments.timeline({ beforeId: 0, limit: 0 }, identityMetadata({ ...dan, token: 'wrong' })),
        { code: ErrorCode.Unauthorized },
      );
    });
  });
}
