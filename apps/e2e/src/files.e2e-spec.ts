// Chat files, against both deployments: uploads need a signed-in device, are streamed to the store with a size
// cap and a type check from the bytes, get unguessable names, and are served with ranges and ETags; each user
// lists and deletes only their own, and no request reaches a path outside the file store.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { businessUserExt } from '@gim/contracts';
import { type GrpcClient } from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { appIntClient, phoneSignIn, type Session, userExtClient } from './support/sessions';

const MAX_BYTES = 1024 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bytes that sniff as PNG: the signature, then random bytes. */
function png(length: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, randomBytes(length - PNG_SIGNATURE.length)]);
}

/** The credential headers of a signed-in device. */
function headersOf(session: Session): Record<string, string> {
  return { user_id: String(session.userId), device_id: String(session.deviceId), token: session.token };
}

interface Reply {
  code: number;
  message: string;
  data?: {
    url?: string;
    name?: string;
    size?: number;
    content_type?: string;
    sha256?: string;
    files?: { name: string; url: string; size: number }[];
    next_cursor?: string;
  };
}

/** Every regular file under `dir`, temporary ones included. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** A GET with the path sent exactly as given (fetch would resolve `..` before sending). */
function rawGet(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`chat files (${mode})`, { timeout: 240_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    let base: string;
    let alice: Session;
    let bob: Session;

    const upload = async (
      body: Buffer,
      headers: Record<string, string>,
      filename = 'photo.png',
    ): Promise<{ status: number; reply: Reply }> => {
      const form = new FormData();
      form.append('caption', 'ignored');
      form.append('file', new Blob([body], { type: 'image/png' }), filename);
      const response = await fetch(`${base}/upload`, { method: 'POST', headers, body: form });
      return { status: response.status, reply: (await response.json()) as Reply };
    };
    const uploaded = async (
      session: Session,
      body: Buffer,
    ): Promise<Required<Pick<Reply, 'data'>>['data']> => {
      const { status, reply } = await upload(body, headersOf(session));
      assert.equal(status, 200, reply.message);
      assert.equal(reply.code, 0);
      return reply.data!;
    };
    // Streams a multipart upload of a PNG of `length` bytes: a stream body goes chunked, without a Content-Length,
    // so only the bytes themselves can tell the service the file is too large.
    const uploadStreamed = async (
      length: number,
      headers: Record<string, string>,
    ): Promise<{ status: number; reply: Reply }> => {
      const boundary = `gim-${randomBytes(8).toString('hex')}`;
      const part = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.png"\r\n\r\n`;
      const body = Buffer.concat([Buffer.from(part), png(length), Buffer.from(`\r\n--${boundary}--\r\n`)]);
      let offset = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= body.length) controller.close();
          else controller.enqueue(body.subarray(offset, (offset += 64 * 1024)));
        },
      });
      const response = await fetch(`${base}/upload`, {
        method: 'POST',
        headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: stream,
        duplex: 'half',
      });
      return { status: response.status, reply: (await response.json()) as Reply };
    };
    const remove = (session: Record<string, string>, name: string) =>
      fetch(`${base}/file/${name}`, { method: 'DELETE', headers: session });

    before(async () => {
      const env = { GIM_FILE_MAX_BYTES: String(MAX_BYTES) };
      gim = mode === 'cluster' ? await startCluster({ env }) : await startStandalone({ env });
      base = `http://127.0.0.1:${gim.ports.file}`;
      users = userExtClient(gim);
      alice = await phoneSignIn(users, '13900000001');
      bob = await phoneSignIn(users, '13900000002');
    });

    after(async () => {
      users?.close();
      await gim?.stop();
    });

    void it("stores a signed-in device's upload under an unguessable name and serves the same bytes", async () => {
      const body = png(200_000);
      const data = await uploaded(alice, body);
      assert.match(data.url ?? '', new RegExp(`^${base}/file/[0-9a-f]{32}\\.png$`));
      assert.equal(data.size, body.length);
      assert.equal(data.content_type, 'image/png');
      const sha256 = createHash('sha256').update(body).digest('hex');
      assert.equal(data.sha256, sha256);

      const response = await fetch(data.url!);
      assert.equal(response.status, 200);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), body);
      assert.equal(response.headers.get('content-type'), 'image/png');
      assert.equal(response.headers.get('etag'), `"${sha256}"`);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(response.headers.get('accept-ranges'), 'bytes');
      assert.ok(response.headers.get('last-modified'));
      const onDisk = (await filesUnder(gim.filesDir)).filter((path) => path.endsWith(data.name!));
      assert.equal(onDisk.length, 1);
      assert.deepEqual(await readFile(onDisk[0]!), body);
    });

    void it('refuses an upload without sign-in, and one with a wrong token, with 401', async () => {
      const before = await filesUnder(gim.filesDir);
      const anonymous = await upload(png(1000), {});
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.reply.code, 10000);
      const wrong = await upload(png(1000), { ...headersOf(alice), token: 'not-the-token' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.reply.code, 10000);
      const otherUser = await upload(png(1000), { ...headersOf(alice), user_id: String(bob.userId) });
      assert.equal(otherUser.status, 401);
      assert.deepEqual(await filesUnder(gim.filesDir), before);
    });

    void it('refuses an oversize file with 413 from its declared length, and leaves no partial file on disk', async () => {
      const before = await filesUnder(gim.filesDir);
      const { status, reply } = await upload(png(2 * MAX_BYTES), headersOf(alice));
      assert.equal(status, 413);
      assert.equal(reply.code, 10601);
      assert.deepEqual(await filesUnder(gim.filesDir), before);
      const justFits = await upload(png(MAX_BYTES), headersOf(alice));
      assert.equal(justFits.status, 200, justFits.reply.message);
    });

    void it('refuses a streamed upload of unknown size one byte over the limit with 413, leaving no partial file', async () => {
      const before = await filesUnder(gim.filesDir);
      const over = await uploadStreamed(MAX_BYTES + 1, headersOf(alice));
      assert.equal(over.status, 413, over.reply.message);
      assert.equal(over.reply.code, 10601);
      assert.deepEqual(
        await filesUnder(gim.filesDir),
        before,
        'nothing in the files or their temporary folder',
      );
      const justFits = await uploadStreamed(MAX_BYTES, headersOf(alice));
      assert.equal(justFits.status, 200, justFits.reply.message);
      assert.equal(justFits.reply.data?.size, MAX_BYTES);
    });

    void it('refuses a type it does not accept with 415, whatever the name and declared type say', async () => {
      const before = await filesUnder(gim.filesDir);
      const executable = Buffer.concat([Buffer.from('MZ'), randomBytes(4000)]);
      const refused = await upload(executable, headersOf(alice), 'cat.png');
      assert.equal(refused.status, 415);
      assert.equal(refused.reply.code, 10602);
      const html = Buffer.from('<html><script>alert(1)</script></html>');
      assert.equal((await upload(html, headersOf(alice), 'page.png')).status, 415);
      assert.deepEqual(await filesUnder(gim.filesDir), before);
    });

    void it('keeps client names out of paths: `../` uploads get a random name, `../` downloads get nothing', async () => {
      const data = await uploaded(alice, png(5000));
      const evil = await upload(png(5000), headersOf(alice), '../../escape.png');
      assert.equal(evil.status, 200);
      assert.match(evil.reply.data?.name ?? '', /^[0-9a-f]{32}\.png$/);
      for (const path of await filesUnder(gim.filesDir)) assert.ok(path.startsWith(gim.filesDir), path);

      for (const path of [
        '/file/../file.sqlite',
        '/file/../../etc/passwd',
        '/file/..%2ffile.sqlite',
        '/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        `/file/${data.name!}/..`,
        `/file/${data.name!.toUpperCase()}`,
        `/file/${data.name!.replace('.png', '.pdf')}`,
        `/file/x/../${data.name!}`,
        '/file/',
        '/file/.tmp',
      ]) {
        const response = await rawGet(gim.ports.file, path);
        assert.ok(response.status === 404 || response.status === 400, `${path}: ${response.status}`);
        assert.match(response.body.toString(), /^\{"code":/, path);
      }
    });

    void it('serves a Range with 206 and exactly those bytes, and refuses one past the end with 416', async () => {
      const body = png(10_000);
      const { url } = await uploaded(alice, body);
      const part = await fetch(url!, { headers: { range: 'bytes=100-199' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 100-199/${body.length}`);
      assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(100, 200));
      const tail = await fetch(url!, { headers: { range: 'bytes=-50' } });
      assert.equal(tail.status, 206);
      assert.deepEqual(Buffer.from(await tail.arrayBuffer()), body.subarray(body.length - 50));
      const past = await fetch(url!, { headers: { range: `bytes=${body.length}-` } });
      assert.equal(past.status, 416);
      assert.equal(past.headers.get('content-range'), `bytes */${body.length}`);
    });

    void it('answers If-None-Match with the ETag with 304 and no body', async () => {
      const { url } = await uploaded(alice, png(3000));
      const first = await fetch(url!);
      const etag = first.headers.get('etag')!;
      await first.arrayBuffer();
      const again = await fetch(url!, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal((await again.arrayBuffer()).byteLength, 0);
      const changed = await fetch(url!, { headers: { 'if-none-match': '"something-else"' } });
      assert.equal(changed.status, 200);
      await changed.arrayBuffer();
    });

    void it("lists a user's own uploads, newest first, a page at a time", async () => {
      const carol = await phoneSignIn(users, '13900000003');
      const names: string[] = [];
      for (let i = 0; i < 3; i++) names.push((await uploaded(carol, png(1000))).name!);
      const list = async (query: string) => {
        const response = await fetch(`${base}/files${query}`, { headers: headersOf(carol) });
        assert.equal(response.status, 200);
        return ((await response.json()) as Reply).data!;
      };
      const first = await list('?limit=2');
      assert.deepEqual(
        first.files!.map((file) => file.name),
        [names[2], names[1]],
      );
      assert.notEqual(first.next_cursor, '');
      const second = await list(`?limit=2&cursor=${first.next_cursor!}`);
      assert.deepEqual(
        second.files!.map((file) => file.name),
        [names[0]],
      );
      assert.equal(second.next_cursor, '');
      assert.equal((await fetch(`${base}/files`)).status, 401);
    });

    void it("deletes only the owner's file: gone from listing, URL and disk; another user gets 404", async () => {
      const data = await uploaded(alice, png(4000));
      const name = data.name!;
      const onDisk = async () => (await filesUnder(gim.filesDir)).some((path) => path.endsWith(name));

      const byBob = await remove(headersOf(bob), name);
      assert.equal(byBob.status, 404);
      assert.equal(((await byBob.json()) as Reply).code, 10600);
      assert.ok(await onDisk());
      assert.equal((await fetch(data.url!)).status, 200);

      const byAlice = await remove(headersOf(alice), name);
      assert.equal(byAlice.status, 200);
      assert.equal(((await byAlice.json()) as Reply).code, 0);
      assert.equal((await fetch(data.url!)).status, 404);
      assert.equal(await onDisk(), false);
      assert.equal((await remove(headersOf(alice), name)).status, 404);
      assert.equal((await remove({}, name)).status, 401);
    });

    void it("keeps each app's files to itself: a user of another app cannot delete or list them", async () => {
      const apps = appIntClient(gim);
      try {
        const created = await apps.createApp({ name: 'shop' });
        const appId = created.app!.id;
        const key = await apps.addKey({ appId, kid: 'shop-1', alg: 'HS256', publicKey: '', secret: '' });
        const now = Math.floor(Date.now() / 1000);
        const token = await new SignJWT({ device_id: '7' })
          .setProtectedHeader({ alg: 'HS256', kid: 'shop-1' })
          .setIssuer(String(appId))
          .setSubject(String(alice.userId))
          .setAudience('gim')
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .sign(Buffer.from(key.secret, 'base64url'));
        // The shop's user has the same id number as alice, in another app.
        const shopUser = { user_id: String(alice.userId), device_id: '7', token };

        const alicesFile = await uploaded(alice, png(2000));
        const shopFile = await upload(png(2000), shopUser);
        assert.equal(shopFile.status, 200, shopFile.reply.message);

        assert.equal((await remove(shopUser, alicesFile.name!)).status, 404);
        assert.equal((await fetch(alicesFile.url!)).status, 200);
        const listed = (await (
          await fetch(`${base}/files?limit=100`, { headers: shopUser })
        ).json()) as Reply;
        assert.deepEqual(
          listed.data!.files!.map((file) => file.name),
          [shopFile.reply.data!.name],
        );
        assert.equal((await remove(headersOf(alice), shopFile.reply.data!.name!)).status, 404);
        assert.equal((await remove(shopUser, shopFile.reply.data!.name!)).status, 200);
      } finally {
        apps.close();
      }
    });
  });
}
