// Moments, against both deployments: a friend's moment with an uploaded picture shows in the timeline with its like and
// comment, the author learns of both live, a stranger and a blocked user see nothing, and deletions hold. A moment
// names only files its author uploaded to this gim's file service; a blocked third party's likes and comments are
// neither shown nor counted; every call needs a sign-in.
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
    /** Uploads a small PNG as `session`; its bytes and the URL the file app answered with. */
    const upload = async (session: Session): Promise<{ png: Buffer; url: string }> => {
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        randomBytes(64),
      ]);
      const form = new FormData();
      form.append('file', new Blob([png], { type: 'image/png' }), 'sunset.png');
      const reply = await fetch(`http://127.0.0.1:${gim.ports.file}/upload`, {
        method: 'POST',
        headers: {
          user_id: String(session.userId),
          device_id: String(session.deviceId),
          token: session.token,
        },
        body: form,
      });
      const body = (await reply.json()) as { code: number; data: { url: string } };
      assert.equal(body.code, 0);
      return { png, url: body.data.url };
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

      const { png, url: picture } = await upload(ann);
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
      await assert.rejects(moments.unlike({ momentId: posted.momentId }, as(cat)), notFound);
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

    void it('pages the timeline by cursor and refuses bad input', async () => {
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
      await assert.rejects(
        moments.post({ text: 'x', fileUrls: Array(10).fill('/file/a.png') }, as(dan)),
        bad,
      );
      await assert.rejects(moments.post({ text: 'x'.repeat(2001), fileUrls: [] }, as(dan)), bad);
      await assert.rejects(moments.post({ text: 'x', fileUrls: ['x'.repeat(513)] }, as(dan)), bad);
      await assert.rejects(moments.comment({ momentId: ids[0] ?? 0, text: '' }, as(dan)), bad);
    });

    void it("refuses a moment naming anything but the author's own uploads to this gim's file service", async () => {
      const [eve, fay] = [await signIn(), await signIn()];
      const { url } = await upload(eve);
      const name = url.slice(url.lastIndexOf('/') + 1);
      const refused = { code: ErrorCode.MomentFileRefused };
      for (const fileUrls of [
        [`https://evil.example/file/${name}`],
        [url.replace('/file/', '/files/')],
        [url.replace(name, `${'0'.repeat(32)}.png`)],
        [`${url.slice(0, url.lastIndexOf('/'))}/../../etc/passwd`],
        ['../../etc/passwd'],
        [url, `${url}?x=1`],
      ])
        await assert.rejects(moments.post({ text: 'x', fileUrls }, as(eve)), refused, fileUrls.join(' '));
      await assert.rejects(
        moments.post({ text: 'mine?', fileUrls: [url] }, as(fay)),
        refused,
        "another user's upload",
      );
      const posted = await moments.post({ text: 'mine', fileUrls: [url, url] }, as(eve));
      const [seen] = (await moments.timeline({ beforeId: 0, limit: 1 }, as(eve))).moments;
      assert.deepEqual([seen?.momentId, seen?.fileUrls], [posted.momentId, [url, url]]);
    });

    void it("answers the file app's ownership check only to callers holding the internal credential", async () => {
      const owner = await signIn();
      const { url } = await upload(owner);
      const name = url.slice(url.lastIndexOf('/') + 1);
      const query = new URLSearchParams({ app_id: '1', user_id: String(owner.userId), name });
      query.append('name', `${'0'.repeat(32)}.png`);
      query.append('name', '../x');
      const check = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${gim.ports.file}/internal/files/owned?${query.toString()}`, { headers });
      const withoutCredential: Record<string, string>[] = [{}, { 'x-gim-internal': 'not-the-secret' }];
      for (const headers of withoutCredential) {
        const refused = await check(headers);
        assert.equal(refused.status, 401);
        assert.equal(((await refused.json()) as { code: number }).code, ErrorCode.Unauthorized);
      }
      const answered = await check({ 'x-gim-internal': gim.internalSecret });
      assert.equal(answered.status, 200);
      assert.deepEqual(await answered.json(), { code: 0, message: 'success', data: { names: [name] } });
    });

    void it('neither shows nor counts the likes and comments of a user in a block with the reader', async () => {
      const [author, reader, third] = [await signIn(), await signIn(), await signIn()];
      await befriend(author, reader);
      await befriend(author, third);
      const { momentId } = await moments.post({ text: 'shared', fileUrls: [] }, as(author));
      await moments.like({ momentId }, as(third));
      await moments.comment({ momentId, text: 'from the third' }, as(third));
      await moments.like({ momentId }, as(reader));
      await moments.comment({ momentId, text: 'from the reader' }, as(reader));
      await friends.block({ userId: third.userId }, as(reader));

      const seenBy = async (session: Session) => {
        const detail = await moments.get({ momentId }, as(session));
        const listed = (await moments.timeline({ beforeId: 0, limit: 0 }, as(session))).moments.find(
          (moment) => moment.momentId === momentId,
        );
        return {
          likedBy: detail.likedBy,
          comments: detail.comments.map((comment) => comment.userId),
          counts: [detail.moment?.likeCount, detail.moment?.commentCount],
          timelineCounts: [listed?.likeCount, listed?.commentCount],
        };
      };
      assert.deepEqual(
        await seenBy(reader),
        { likedBy: [reader.userId], comments: [reader.userId], counts: [1, 1], timelineCounts: [1, 1] },
        'the reader blocks the third user',
      );
      assert.deepEqual(
        await seenBy(third),
        { likedBy: [third.userId], comments: [third.userId], counts: [1, 1], timelineCounts: [1, 1] },
        'the third user is blocked by the reader: a block hides both ways',
      );
      const all = await seenBy(author);
      assert.deepEqual(
        [new Set(all.likedBy), all.comments, all.counts, all.timelineCounts],
        [new Set([reader.userId, third.userId]), [third.userId, reader.userId], [2, 2], [2, 2]],
        'the author blocks no one',
      );
    });

    void it('refuses every call without a sign-in or with a forged token (10000)', async () => {
      const owner = await signIn();
      const { momentId } = await moments.post({ text: 'target', fileUrls: [] }, as(owner));
      const { commentId } = await moments.comment({ momentId, text: 'c' }, as(owner));
      type Call = (metadata?: Metadata) => Promise<unknown>;
      const calls: Record<keyof businessMoment.MomentExtServiceClient, Call> = {
        post: (metadata) => moments.post({ text: 'x', fileUrls: [] }, metadata),
        delete: (metadata) => moments.delete({ momentId }, metadata),
        like: (metadata) => moments.like({ momentId }, metadata),
        unlike: (metadata) => moments.unlike({ momentId }, metadata),
        comment: (metadata) => moments.comment({ momentId, text: 'x' }, metadata),
        deleteComment: (metadata) => moments.deleteComment({ commentId }, metadata),
        timeline: (metadata) => moments.timeline({ beforeId: 0, limit: 0 }, metadata),
        get: (metadata) => moments.get({ momentId }, metadata),
      };
      const other = await signIn();
      const forged = {
        'a made-up token': identityMetadata({ ...owner, token: 'forged' }),
        "another user's token": identityMetadata({ ...owner, token: other.token }),
      };
      const unauthorized = { code: ErrorCode.Unauthorized };
      for (const [method, call] of Object.entries(calls)) {
        await assert.rejects(call(), unauthorized, `${method} without metadata`);
        for (const [what, metadata] of Object.entries(forged))
          await assert.rejects(call(metadata), unauthorized, `${method} with ${what}`);
      }
      const detail = await moments.get({ momentId }, as(owner));
      assert.deepEqual(
        [detail.moment?.likeCount, detail.comments.map((comment) => comment.commentId)],
        [0, [commentId]],
        'nothing was changed',
      );
    });
  });
}
