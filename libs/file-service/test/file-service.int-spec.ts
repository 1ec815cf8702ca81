// The file service booted on a SQLite file and a temp folder, with a stand-in for business's token check:
// the HTTP details the end-to-end suite does not go into (Expect: 100-continue, multipart edge cases, a client
// that goes away mid-upload, a chunked upload refused mid-stream, app-only downloads, CORS, the public URL).
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@gim/config';
import { ErrorCode, GimError } from '@gim/errors';
import { tempDir, type TempDir } from '@gim/testing';
import { Caller, CallerAuthenticator, Credentials, FileConfig, startFile, type RunningFile } from '../src';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]);

/** Accepts tokens `app:<app id>:<user id>`. */
class TokenNamesCaller extends CallerAuthenticator {
  override async authenticate(credentials: Credentials): Promise<Caller> {
    const match = /^app:(\d+):(\d+)$/.exec(credentials.token);
    if (!match) throw new GimError(ErrorCode.Unauthorized, 'unauthorized: unknown token');
    return { appId: Number(match[1]), userId: Number(match[2]) };
  }
}

const signedIn = (appId: number, userId: number) => ({
  user_id: String(userId),
  device_id: '1',
  token: `app:${appId}:${userId}`,
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** whether the server asked for the body (100 Continue) */
  continued: boolean;
}

/** One request over a fresh connection; `body` goes after a 100 Continue when `expect` is set. */
function send(
  port: number,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: Buffer;
    expect?: boolean;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        agent: false,
        headers: {
          ...(options.body ? { 'content-length': String(options.body.length) } : {}),
          ...(options.expect ? { expect: '100-continue' } : {}),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            continued,
          }),
        );
      },
    );
    request.on('error', reject);
    if (options.expect) {
      request.on('continue', () => {
        continued = true;
        request.end(options.body);
      });
      request.flushHeaders();
    } else {
      request.end(options.body);
    }
  });
}

const BOUNDARY = 'gim-test-boundary';

/** A multipart/form-data body of the given parts. */
function form(parts: { name: string; file?: boolean; content: Buffer | string }[], end = true): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.file ? '; filename="x.bin"' : ''}`;
    pieces.push(Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: ${disposition}\r\n\r\n`));
    pieces.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
    pieces.push(Buffer.from('\r\n'));
  }
  if (end) pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

const MULTIPART = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

/** A multipart body whose field `file` holds a PNG of `length` bytes. */
const pngForm = (length: number): Buffer =>
  form([{ name: 'file', file: true, content: Buffer.concat([PNG, Buffer.alloc(length - PNG.length, 7)]) }]);

/** Pieces of `body` of at most `size` bytes. */
function* piecesOf(body: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < body.length; offset += size) yield body.subarray(offset, offset + size);
}

/**
 * Sends `body` chunked (Transfer-Encoding: chunked, so no Content-Length announces its size) in small writes, as a
 * client streaming a file of unknown size does; `error` is whatever went wrong on the connection.
 */
function sendChunked(
  port: number,
  headers: Record<string, string>,
  body: Buffer,
  agent: Agent | false,
): Promise<Answer & { error?: Error }> {
  return new Promise((resolve) => {
    let answer: Answer | undefined;
    let error: Error | undefined;
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/upload',
        agent,
        headers: { ...headers, 'transfer-encoding': 'chunked' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          answer = { status, headers: response.headers, body: Buffer.concat(chunks), continued: false };
        });
      },
    );
    request.on('error', (failure) => (error = failure));
    request.on('close', () =>
      resolve({ ...(answer ?? { status: 0, headers: {}, body: Buffer.alloc(0), continued: false }), error }),
    );
    const pieces = piecesOf(body, 8 * 1024);
    const pump = (): void => {
      for (let piece = pieces.next(); !piece.done; piece = pieces.next())
        if (!request.write(piece.value)) {
          request.once('drain', pump);
          return;
        }
      request.end();
    };
    pump();
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

function json(answer: Answer): { code: number; message: string; data?: Record<string, unknown> } {
  return JSON.parse(answer.body.toString()) as {
    code: number;
    message: string;
    data?: Record<string, unknown>;
  };
}

async function start(dir: TempDir, env: Record<string, string>): Promise<RunningFile> {
  const config = loadConfig(FileConfig, {
    NODE_ENV: 'test',
    GIM_LOG_LEVEL: 'error',
    GIM_FILE_HTTP_URL: '127.0.0.1:0',
    GIM_OPS_LISTEN: '127.0.0.1:0',
    GIM_FILE_DB_URL: `sqlite:${join(dir.path, 'file.sqlite')}`,
    GIM_FILE_DIR: join(dir.path, 'files'),
    GIM_FILE_RESERVE_BYTES: '0',
    ...env,
  });
  return startFile(config, {
    internalSecret: 'unused-by-the-stand-in',
    authenticator: new TokenNamesCaller(),
  });
}

void describe('file service over HTTP (SQLite, stand-in token check)', () => {
  let dir: TempDir;
  let files: RunningFile;
  const stored = () => filesUnder(join(dir.path, 'files'));

  before(async () => {
    dir = await tempDir('file-service');
    files = await start(dir, {
      GIM_FILE_MAX_BYTES: '100000',
      GIM_FILE_PUBLIC_URL: 'https://files.example.com/chat/',
      GIM_FILE_CORS_ORIGINS: 'https://app.example.com',
    });
  });

  after(async () => {
    await files?.close();
    await dir?.remove();
  });

  const upload = (body: Buffer, extra: { expect?: boolean; headers?: Record<string, string> } = {}) =>
    send(files.port, {
      method: 'POST',
      path: '/upload',
      headers: { ...MULTIPART, ...signedIn(1, 10001), ...extra.headers },
      body,
      expect: extra.expect,
    });

  void it('answers with a URL under GIM_FILE_PUBLIC_URL and serves HEAD and If-Modified-Since', async () => {
    const answer = await upload(form([{ name: 'file', file: true, content: PNG }]));
    assert.equal(answer.status, 200, answer.body.toString());
    const { data } = json(answer);
    assert.match(String(data?.['url']), /^https:\/\/files\.example\.com\/chat\/file\/[0-9a-f]{32}\.png$/);
    const path = `/file/${String(data?.['name'])}`;
    const head = await send(files.port, { method: 'HEAD', path });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(PNG.length));
    assert.equal(head.body.length, 0);
    const since = await send(files.port, {
      path,
      headers: { 'if-modified-since': String(head.headers['last-modified']) },
    });
    assert.equal(since.status, 304);
  });

  void it('asks for the body (100 Continue) only once the sign-in and the declared length pass', async () => {
    const big = Buffer.alloc(300_000, 1);
    const refused = await upload(big, { expect: true });
    assert.equal(refused.status, 413);
    assert.equal(refused.continued, false);
    const anonymous = await send(files.port, {
      method: 'POST',
      path: '/upload',
      headers: MULTIPART,
      body: big,
      expect: true,
    });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.continued, false);
    const accepted = await upload(form([{ name: 'file', file: true, content: PNG }]), { expect: true });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.continued, true);
  });

  void it('takes the first "file" field and ignores every other field', async () => {
    const before = (await stored()).length;
    const answer = await upload(
      form([
        { name: 'note', content: 'hello' },
        { name: 'other', file: true, content: Buffer.from('%PDF-1.7') },
        { name: 'file', file: true, content: PNG },
        { name: 'file', file: true, content: Buffer.from('%PDF-1.7') },
      ]),
    );
    assert.equal(answer.status, 200, answer.body.toString());
    assert.equal(json(answer).data?.['content_type'], 'image/png');
    assert.equal((await stored()).length, before + 1);
  });

  void it('refuses bodies that carry no usable file with 400, keeping nothing', async () => {
    const before = await stored();
    const cases: [string, Answer][] = [
      ['no file field', await upload(form([{ name: 'note', content: 'hello' }]))],
      ['an empty file', await upload(form([{ name: 'file', file: true, content: Buffer.alloc(0) }]))],
      ['a form cut short', await upload(form([{ name: 'file', file: true, content: PNG }], false))],
      ['not multipart', await upload(PNG, { headers: { 'content-type': 'image/png' } })],
    ];
    for (const [what, answer] of cases) {
      assert.equal(answer.status, 400, `${what}: ${answer.body.toString()}`);
      assert.equal(json(answer).code, ErrorCode.BadRequest, what);
    }
    assert.deepEqual(await stored(), before);
  });

  void it('counts ignored fields against the limit too', async () => {
    const answer = await upload(
      form([
        { name: 'padding', file: true, content: Buffer.alloc(90_000) },
        { name: 'file', file: true, content: Buffer.concat([PNG, Buffer.alloc(90_000)]) },
      ]),
    );
    assert.equal(answer.status, 413);
  });

  void it('refuses a chunked upload one byte over the limit with 413 while it streams, keeping nothing', async () => {
    const before = await stored();
    const keepAlive = new Agent({ keepAlive: true });
    try {
      for (const [what, agent] of [
        ['Connection: close', false],
        ['keep-alive', keepAlive],
      ] as const) {
        const answer = await sendChunked(
          files.port,
          { ...MULTIPART, ...signedIn(1, 10001) },
          pngForm(100_001),
          agent,
        );
        assert.equal(answer.status, 413, `${what}: ${answer.body.toString()}`);
        assert.equal(json(answer).code, ErrorCode.FileTooLarge, what);
        assert.equal(answer.error, undefined, `${what}: the connection ends without an error`);
        assert.deepEqual(await stored(), before, `${what}: no file and no temporary part are left`);
      }
      const fits = await sendChunked(
        files.port,
        { ...MULTIPART, ...signedIn(1, 10001) },
        pngForm(100_000),
        keepAlive,
      );
      assert.equal(fits.status, 200, fits.body.toString());
    } finally {
      keepAlive.destroy();
    }
  });

  void it('answers 413 to a client that sends on regardless, reads what it sends, then closes without a reset', async () => {
    const before = await stored();
    const body = pngForm(8 * 1024 * 1024);
    const head = [
      'POST /upload HTTP/1.1',
      'host: 127.0.0.1',
      `content-type: ${MULTIPART['content-type']}`,
      'transfer-encoding: chunked',
      ...Object.entries(signedIn(1, 10001)).map(([name, value]) => `${name}: ${value}`),
      '',
      '',
    ].join('\r\n');
    // Half-open allowed: the client goes on sending after the server's FIN, as a client that ignores answers does.
    const socket = connect({ host: '127.0.0.1', port: files.port, allowHalfOpen: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    const received: Buffer[] = [];
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error) => (failure = error));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(head);
    for (const piece of piecesOf(body, 64 * 1024)) {
      const chunk = Buffer.concat([
        Buffer.from(`${piece.length.toString(16)}\r\n`),
        piece,
        Buffer.from('\r\n'),
      ]);
      if (!socket.write(chunk))
        await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    }
    socket.end('0\r\n\r\n');
    await closed;
    const answer = Buffer.concat(received).toString('latin1');
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    assert.match(answer, new RegExp(`"code":${ErrorCode.FileTooLarge}`));
    assert.equal(failure, undefined, 'neither a reset nor a broken pipe: the server read the whole body');
    assert.equal(socket.writableFinished, true, 'the whole body went out');
    assert.deepEqual(await stored(), before);
  });

  void it('sends an early refusal after the answer pipelined before it, then closes', async () => {
    const file = Buffer.concat([PNG, Buffer.alloc(60_000, 3)]);
    const uploaded = await upload(form([{ name: 'file', file: true, content: file }]));
    assert.equal(uploaded.status, 200, uploaded.body.toString());
    const socket = connect({ host: '127.0.0.1', port: files.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const received: Buffer[] = [];
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error) => (failure = error));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const body = pngForm(50_000);
    socket.write(
      `GET /file/${String(json(uploaded).data?.['name'])} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n` +
        `POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${MULTIPART['content-type']}\r\n` +
        `content-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 1000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.end(body.subarray(1000));
    await closed;
    const answers = Buffer.concat(received);
    const text = answers.toString('latin1');
    assert.deepEqual(
      [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]),
      ['200', '401'],
      'the download first, whole, then the refusal',
    );
    const downloaded = answers.subarray(text.indexOf('\r\n\r\n') + 4).subarray(0, file.length);
    assert.deepEqual(downloaded, file);
    assert.equal(failure, undefined);
  });

  void it('keeps nothing of an upload whose client goes away in the middle', async () => {
    const before = await stored();
    const body = form([{ name: 'file', file: true, content: Buffer.concat([PNG, Buffer.alloc(50_000)]) }]);
    await new Promise<void>((resolve) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port: files.port,
        method: 'POST',
        path: '/upload',
        headers: { ...MULTIPART, ...signedIn(1, 10001), 'content-length': String(body.length) },
      });
      request.on('error', () => resolve());
      request.write(body.subarray(0, 30_000), () => setTimeout(() => (request.destroy(), resolve()), 100));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await stored(), before);
  });

  void it('answers other methods with 405 and unknown paths with 404, as JSON', async () => {
    const put = await send(files.port, { method: 'PUT', path: '/upload' });
    assert.equal(put.status, 405);
    assert.match(String(put.headers['allow']), /POST/);
    const unknown = await send(files.port, { path: '/etc/passwd' });
    assert.equal(unknown.status, 404);
    assert.equal(json(unknown).code, 10600);
  });

  void it('lets the configured web origin call it, and no other', async () => {
    const preflight = await send(files.port, {
      method: 'OPTIONS',
      path: '/upload',
      headers: { origin: 'https://app.example.com', 'access-control-request-headers': 'token' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(preflight.headers['access-control-allow-headers']), /\btoken\b/);
    const stranger = await send(files.port, {
      method: 'OPTIONS',
      path: '/upload',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(stranger.headers['access-control-allow-origin'], undefined);
  });
});

void describe('file service with GIM_FILE_DOWNLOADS=app', () => {
  let dir: TempDir;
  let files: RunningFile;

  before(async () => {
    dir = await tempDir('file-service-app');
    files = await start(dir, { GIM_FILE_DOWNLOADS: 'app' });
  });

  after(async () => {
    await files?.close();
    await dir?.remove();
  });

  void it("serves a file only to signed-in users of the uploader's app, privately cached", async () => {
    const answer = await send(files.port, {
      method: 'POST',
      path: '/upload',
      headers: { ...MULTIPART, ...signedIn(7, 10001) },
      body: form([{ name: 'file', file: true, content: PNG }]),
    });
    assert.equal(answer.status, 200, answer.body.toString());
    const path = `/file/${String(json(answer).data?.['name'])}`;
    assert.equal((await send(files.port, { path })).status, 401);
    assert.equal((await send(files.port, { path, headers: signedIn(8, 10001) })).status, 404);
    const sameApp = await send(files.port, { path, headers: signedIn(7, 10002) });
    assert.equal(sameApp.status, 200);
    assert.deepEqual(sameApp.body, PNG);
    assert.match(String(sameApp.headers['cache-control']), /^private/);
  });
});

void describe('file service shutdown', () => {
  void it('refuses new requests at once, lets the upload in flight finish, then closes', async () => {
    const dir = await tempDir('file-service-drain');
    const events: string[] = [];
    const config = loadConfig(FileConfig, {
      NODE_ENV: 'test',
      GIM_LOG_LEVEL: 'error',
      GIM_FILE_HTTP_URL: '127.0.0.1:0',
      GIM_OPS_LISTEN: '127.0.0.1:0',
      GIM_FILE_DB_URL: `sqlite:${join(dir.path, 'file.sqlite')}`,
      GIM_FILE_DIR: join(dir.path, 'files'),
      GIM_FILE_RESERVE_BYTES: '0',
    });
    const files = await startFile(config, {
      internalSecret: 'unused-by-the-stand-in',
      authenticator: new TokenNamesCaller(),
      onDraining: () => events.push('draining'),
    });
    try {
      const body = form([{ name: 'file', file: true, content: PNG }]);
      const head = [
        'POST /upload HTTP/1.1',
        'host: 127.0.0.1',
        `content-type: ${MULTIPART['content-type']}`,
        `content-length: ${body.length}`,
        ...Object.entries(signedIn(1, 10001)).map(([name, value]) => `${name}: ${value}`),
        '',
        '',
      ].join('\r\n');
      const socket = connect({ host: '127.0.0.1', port: files.port });
      await new Promise((resolve) => socket.once('connect', resolve));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const ended = new Promise((resolve) => socket.once('close', resolve));
      socket.write(head + body.subarray(0, 10).toString('latin1'), 'latin1');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closing = files.close().then(() => events.push('closed'));
      assert.deepEqual(events, ['draining'], 'told first');
      await assert.rejects(send(files.port, { path: '/healthz' }), /ECONNREFUSED/);
      // The rest of the upload, then a second request on the same connection.
      socket.write(
        body.subarray(10).toString('latin1') + 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n',
        'latin1',
      );
      await ended;
      await closing;
      const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
      assert.deepEqual(statuses, ['200', '503'], received);
      assert.match(received, /"code":10500/);
      assert.deepEqual(events, ['draining', 'closed']);
    } finally {
      await files.close();
      await dir.remove();
    }
  });
});
