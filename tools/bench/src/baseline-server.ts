// The peers gim is compared with, one per child process, controlled by the bench over the IPC channel:
//   socketio — a socket.io 4.8 server (WebSocket transport only); `emit` broadcasts with io.emit, or with
//              io.to(room).emit to the sockets that joined `room` (a client's 'join' event, acknowledged)
//   ws       — a bare `ws` WebSocketServer holding its sockets
//   net      — a bare `net` server holding its sockets
// Started as: node --expose-gc -r @swc-node/register baseline-server.ts <kind>
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, Socket } from 'node:net';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';

export type BaselineKind = 'socketio' | 'ws' | 'net';

/**
 * What the bench asks: memory after a forced GC, or `count` broadcasts of a `size`-character string (to every
 * socket, or only to those in `room`).
 */
export type BaselineAsk = { type: 'memory' } | { type: 'emit'; count: number; size: number; room?: string };

/** A question with the id its answer repeats. */
export type BaselineRequest = BaselineAsk & { id: number };

export interface BaselineAnswer {
  id: number;
  memory?: NodeJS.MemoryUsage;
  connections?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function main(kind: BaselineKind): Promise<void> {
  const held = new Set<unknown>();
  let port: number;
  let io: Server | undefined;
  if (kind === 'net') {
    const server = createNetServer((socket: Socket) => {
      held.add(socket);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => held.delete(socket));
    });
    port = await listen(server);
  } else if (kind === 'ws') {
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      held.add(ws);
      ws.on('message', () => undefined);
      ws.on('error', () => undefined);
      ws.on('close', () => held.delete(ws));
    });
    port = await listen(http);
  } else {
    const http = createHttpServer();
    io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
    io.on('connection', (socket) => {
      held.add(socket);
      socket.on('join', (room: unknown, ack: unknown) => {
        void Promise.resolve(typeof room === 'string' ? socket.join(room) : undefined).then(() => {
          if (typeof ack === 'function') (ack as () => void)();
        });
      });
      socket.on('disconnect', () => held.delete(socket));
    });
    port = await listen(http);
  }
  process.on('message', (request: BaselineRequest) => {
    const answer = (extra: Omit<BaselineAnswer, 'id'>): void => {
      process.send?.({ id: request.id, connections: held.size, ...extra });
    };
    if (request.type === 'memory') {
      gc?.();
      setTimeout(() => {
        gc?.();
        answer({ memory: process.memoryUsage() });
      }, 50);
      return;
    }
    const payload = 'x'.repeat(request.size);
    const room = request.room;
    if (room === undefined) for (let i = 0; i < request.count; i++) io?.emit('m', payload);
    else for (let i = 0; i < request.count; i++) io?.to(room).emit('m', payload);
    answer({});
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ id: 0, port });
}

function listen(server: {
  listen(port: number, host: string, done: () => void): unknown;
  address(): unknown;
}): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

if (require.main === module) {
  void main(process.argv[2] as BaselineKind);
}
