import { createServer, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Logger } from '@nestjs/common';
import { trimUrlBase } from '@gim/config';
import { badRequest, ErrorCode, GimError } from '@gim/errors';
import { INTERNAL_METADATA_KEY, secretMatches } from '@gim/rpc';
import { Caller, CallerAuthenticator, credentialsFrom } from './caller';
import { errorReply, FileError, FileErrorCode } from './file-errors';
import { FileStore } from './file-store';
import { FileRecord } from './file.repository';
import {
  DeleteFileUseCase,
  FindFileUseCase,
  ListFilesUseCase,
  OwnedFilesUseCase,
} from './manage-files.usecases';
import { notModified, parseRange, rangeApplies, RangeRequest } from './range';
import { UploadFileUseCase } from './upload-file.usecase';

/** How the HTTP surface behaves, from FileConfig. */
export interface FileHttpSettings {
  /** start of returned URLs; '' = http://<bound address> */
  publicUrl: string;
  /** public: anyone holding a URL downloads; app: signed-in users of the uploader's app only */
  downloads: 'public' | 'app';
  /** origins allowed by CORS; ['*'] for any; [] for none */
  corsOrigins: readonly string[];
  /** the internal credential other gim services present (header x-gim-internal) on internal routes */
  internalSecret: string;
}

/** What the routes run. */
export interface FileRoutes {
  authenticator: CallerAuthenticator;
  upload: UploadFileUseCase;
  find: FindFileUseCase;
  list: ListFilesUseCase;
  remove: DeleteFileUseCase;
  owned: OwnedFilesUseCase;
  store: FileStore;
}

/** Code of a reply to a request that failed unexpectedly (gRPC INTERNAL, as the gRPC services answer). */
const INTERNAL_CODE = 13;
/** How long, and how much of, the rest of a refused upload is read and thrown away, at most. */
const DISCARD_MS = 10_000;
const DISCARD_BYTES = 32 * 1024 * 1024;
/** A connection silent this long is closed. */
const IDLE_MS = 120_000;
/** How long close() lets requests in flight finish unless told otherwise. */
const CLOSE_GRACE_MS = 5_000;
const SHUTTING_DOWN = 'server shutting down; retry';
const PUBLIC_CACHE = 'public, max-age=31536000, immutable';
const PRIVATE_CACHE = 'private, max-age=31536000, immutable';
const CORS_HEADERS =
  'user_id, device_id, token, x-gim-user-id, x-gim-device-id, x-gim-token, content-type, range, if-range, if-none-match, if-modified-since';
const CORS_EXPOSED = 'etag, last-modified, content-range, content-length, accept-ranges';
/** The internal route business asks which files a user uploaded (moments name only those). */
const OWNED_PATH = '/internal/files/owned';

function contentTypeHeader(contentType: string): string {
  return contentType.startsWith('text/') ? `${contentType}; charset=utf-8` : contentType;
}

/**
 * gim's file service over HTTP, on Node's own server (no framework between the socket and the stream to the
 * store): `POST /upload`, `GET|HEAD /file/<name>`, `DELETE /file/<name>`, `GET /files`, `GET /healthz`.
 * Every answer but a download is JSON `{code, message[, data]}`; a refused upload is answered as soon as it is
 * refused, and its connection closed once the rest of its body is read and thrown away (up to a bound, then cut).
 */
export class FileHttpServer {
  private readonly server: Server;
  private readonly logger = new Logger('file');
  private base = '';
  private draining = false;

  constructor(
    private readonly settings: FileHttpSettings,
    private readonly routes: FileRoutes,
  ) {
    this.server = createServer({ requestTimeout: 0, headersTimeout: 30_000 }, (request, response) => {
      void this.handle(request, response, false);
    });
    this.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
      void this.handle(request, response, true);
    });
    this.server.timeout = IDLE_MS;
  }

  /** Listens on host:port; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: host || undefined, port }, () => {
        this.server.off('error', reject);
        this.server.on('error', (error) => this.logger.error(`HTTP server: ${error.message}`));
        const address = this.server.address();
        const bound = typeof address === 'object' && address !== null ? address.port : port;
        this.base = trimUrlBase(this.settings.publicUrl) || `http://${urlHost(host)}:${bound}`;
        resolve(bound);
      });
    });
  }

  /**
   * Stops accepting and answers new requests on open connections 503 (10500, retry elsewhere); lets requests in
   * flight finish for `graceMs`, then cuts them.
   */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    if (!this.server.listening) return;
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  /** The URL a stored file is downloaded from. */
  urlOf(name: string): string {
    return `${this.base}/file/${name}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean) {
    if (this.draining) {
      const body = { code: ErrorCode.Unavailable, message: SHUTTING_DOWN };
      return this.json(request, response, 503, body, { connection: 'close' });
    }
    try {
      this.allowOrigin(request, response);
      await this.route(request, response, expectsContinue);
    } catch (error) {
      this.fail(request, response, error);
    }
  }

  private async route(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean) {
    const [path = '/', query = ''] = (request.url ?? '/').split('?', 2);
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') {
      this.preflight(request, response);
      return;
    }
    if (path === '/upload') {
      if (method !== 'POST') return this.notAllowed(request, response, 'POST');
      const caller = await this.authenticate(request);
      const file = await this.routes.upload.execute(request, caller, () => {
        if (expectsContinue) response.writeContinue();
      });
      return this.json(request, response, 200, { code: 0, message: 'success', data: this.describe(file) });
    }
    if (path === '/files') {
      if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(request, response, 'GET, HEAD');
      const caller = await this.authenticate(request);
      const params = new URLSearchParams(query);
      const page = await this.routes.list.execute(caller, {
        limit: params.get('limit') ?? undefined,
        cursor: params.get('cursor') ?? undefined,
      });
      const data = { files: page.files.map((file) => this.describe(file)), next_cursor: page.nextCursor };
      return this.json(request, response, 200, { code: 0, message: 'success', data });
    }
    if (path.startsWith('/file/')) {
      const name = path.slice('/file/'.length);
      if (method === 'GET' || method === 'HEAD') return this.download(request, response, name);
      if (method !== 'DELETE') return this.notAllowed(request, response, 'GET, HEAD, DELETE');
      await this.routes.remove.execute(await this.authenticate(request), name);
      return this.json(request, response, 200, { code: 0, message: 'success', data: {} });
    }
    if (path === OWNED_PATH) {
      if (method !== 'GET') return this.notAllowed(request, response, 'GET');
      this.requireInternal(request);
      const params = new URLSearchParams(query);
      const owner = { appId: idParam(params, 'app_id'), userId: idParam(params, 'user_id') };
      const names = await this.routes.owned.execute(owner, params.getAll('name'));
      return this.json(request, response, 200, { code: 0, message: 'success', data: { names } });
    }
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      return this.json(request, response, 200, { code: 0, message: 'ok' });
    }
    throw new FileError(FileErrorCode.NotFound, 'not found');
  }

  // Internal routes answer other gim services only: 10000 without the internal credential.
  private requireInternal(request: IncomingMessage): void {
    const presented = single(request.headers[INTERNAL_METADATA_KEY]) ?? '';
    if (presented === '' || !secretMatches(presented, this.settings.internalSecret)) {
      throw new GimError(
        ErrorCode.Unauthorized,
        'unauthorized: an internal route needs the internal credential',
      );
    }
  }

  private async authenticate(request: IncomingMessage): Promise<Caller> {
    return this.routes.authenticator.authenticate(credentialsFrom(request.headers));
  }

  private async download(request: IncomingMessage, response: ServerResponse, name: string): Promise<void> {
    const caller = this.settings.downloads === 'app' ? await this.authenticate(request) : undefined;
    const file = await this.routes.find.execute(name, caller);
    const etag = `"${file.sha256.toString('hex')}"`;
    const headers: OutgoingHttpHeaders = {
      etag,
      'last-modified': file.createdAt.toUTCString(),
      'cache-control': caller ? PRIVATE_CACHE : PUBLIC_CACHE,
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    };
    if (notModified(request.headers, etag, file.createdAt)) {
      response.writeHead(304, headers).end();
      return;
    }
    const ifRange = request.headers['if-range'];
    const range: RangeRequest = rangeApplies(single(ifRange), etag, file.createdAt)
      ? parseRange(request.headers.range, file.size)
      : { kind: 'whole' };
    if (range.kind === 'unsatisfiable') {
      const message = `range not satisfiable: the file has ${file.size} bytes`;
      return this.json(
        request,
        response,
        416,
        { code: FileErrorCode.RangeNotSatisfiable, message },
        {
          'content-range': `bytes */${file.size}`,
        },
      );
    }
    const part = range.kind === 'part' ? range : undefined;
    const head = request.method === 'HEAD';
    const body = head ? undefined : await this.routes.store.get(name, part);
    if (head ? (await this.routes.store.stat(name)) === undefined : body === undefined) {
      this.logger.warn(`file ${name} is recorded but has no bytes in the store`);
      throw new FileError(FileErrorCode.NotFound);
    }
    response.writeHead(part ? 206 : 200, {
      ...headers,
      'content-type': contentTypeHeader(file.contentType),
      'content-length': part ? part.end - part.start + 1 : file.size,
      ...(part ? { 'content-range': `bytes ${part.start}-${part.end}/${file.size}` } : {}),
    });
    if (body === undefined) {
      response.end();
      return;
    }
    await pipeline(body, response).catch(() => body.destroy());
  }

  private describe(file: FileRecord) {
    return {
      url: this.urlOf(file.name),
      name: file.name,
      size: file.size,
      content_type: file.contentType,
      sha256: file.sha256.toString('hex'),
      created_at: file.createdAt.getTime(),
    };
  }

  private notAllowed(request: IncomingMessage, response: ServerResponse, allow: string): void {
    const message = `method ${request.method ?? ''} not allowed here; use ${allow}`;
    this.json(request, response, 405, { code: 10001, message }, { allow: `${allow}, OPTIONS` });
  }

  private fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    const reply = errorReply(error);
    if (!reply) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.logger.error(`${request.method ?? ''} ${request.url ?? ''} failed: ${detail}`);
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const status = reply?.status ?? 500;
    const body = reply ?? { code: INTERNAL_CODE, message: 'internal error' };
    this.json(request, response, status, { code: body.code, message: body.message });
  }

  private json(
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    body: object,
    headers: OutgoingHttpHeaders = {},
  ): void {
    if (response.destroyed) return;
    const text = JSON.stringify(body);
    // An answer that comes before the whole body (or before a 100 Continue) ends the connection.
    const early = bodyPending(request);
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      ...(early ? { connection: 'close' } : {}),
      ...headers,
    });
    const payload = request.method === 'HEAD' ? undefined : text;
    if (early) answerAndLinger(request, response, payload);
    else response.end(payload);
  }

  private allowedOrigin(request: IncomingMessage): string | undefined {
    const origin = request.headers.origin;
    const origins = this.settings.corsOrigins;
    if (origin === undefined || origins.length === 0) return undefined;
    if (origins.includes('*')) return '*';
    return origins.includes(origin) ? origin : undefined;
  }

  private allowOrigin(request: IncomingMessage, response: ServerResponse): void {
    const origin = this.allowedOrigin(request);
    if (origin === undefined) return;
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-expose-headers', CORS_EXPOSED);
    if (origin !== '*') response.setHeader('vary', 'origin');
  }

  private preflight(request: IncomingMessage, response: ServerResponse): void {
    const cors =
      this.allowedOrigin(request) === undefined
        ? {}
        : {
            'access-control-allow-methods': 'GET, HEAD, POST, DELETE',
            'access-control-allow-headers': CORS_HEADERS,
            'access-control-max-age': '600',
          };
    response.writeHead(204, { allow: 'GET, HEAD, POST, DELETE, OPTIONS', ...cors }).end();
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A positive id from a query parameter; 10001 otherwise. */
function idParam(params: URLSearchParams, name: string): number {
  const text = params.get(name) ?? '';
  const value = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw badRequest(`${name} must be a positive decimal id`);
  }
  return value;
}

/** host as it goes into a URL: a wildcard listen address becomes the loopback one, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

// Sends an answer that came before the request's whole body, then closes the connection gracefully (a "lingering
// close"): the answer and a FIN go out at once, and whatever the client still sends is read and dropped until the
// body ends or the client closes. Closing at once would reset the connection while the client still sends, and a
// reset can destroy the answer before the client reads it. A client that goes on too long, or too slowly, is cut.
function answerAndLinger(
  request: IncomingMessage,
  response: ServerResponse,
  payload: string | undefined,
): void {
  if (payload === undefined) response.flushHeaders();
  else response.write(payload);
  // Behind an earlier answer on the same connection (pipelining), this one reaches the socket in its turn: it is
  // written there right after 'socket' is emitted.
  if (response.socket) linger(request, response.socket);
  else response.once('socket', (socket: Socket) => process.nextTick(linger, request, socket));
}

function linger(request: IncomingMessage, socket: Socket): void {
  socket.end();
  const cut = () => socket.destroy();
  const timer = setTimeout(cut, DISCARD_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  let left = DISCARD_BYTES;
  request.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) cut();
  });
  request.once('end', () => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  });
  // An upload refused part-way stopped reading (unpipe pauses the request): read on.
  request.resume();
}

/** Whether part of the request's body has still to arrive (a request without a body has none). */
function bodyPending(request: IncomingMessage): boolean {
  const { 'transfer-encoding': chunked, 'content-length': length } = request.headers;
  return !request.complete && (chunked !== undefined || Number(length ?? 0) > 0);
}
