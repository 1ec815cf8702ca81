import { connect, createServer, Socket } from 'node:net';

/**
 * Ports a test process hands out: a slice of 10000–30999 chosen by its pid. The slice lies below the kernel's
 * ephemeral range (where outgoing connections take their local ports) and apart from other test processes'
 * slices, so a port handed out is not taken by someone else between the check and the server binding it.
 */
const PORT_FLOOR = 10_000;
const SLICE = 200;
const SLICES = 105;
const sliceStart = PORT_FLOOR + (process.pid % SLICES) * SLICE;
let nextInSlice = 0;

function available(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nobody listens on now, from this process's slice (see above); each call gives the next one. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < SLICE; tried++) {
    const port = sliceStart + (nextInSlice++ % SLICE);
    if (await available(port)) return port;
  }
  throw new Error(`no free port in ${sliceStart}-${sliceStart + SLICE - 1}`);
}

/** A TCP relay in front of a server, to take that server "down" and back without touching it. */
export interface TcpProxy {
  /** The port clients connect to instead of the server's. */
  port: number;
  /** Cuts every relayed connection and refuses new ones, as a crashed server would. */
  cut(): void;
  /** Relays new connections again. */
  restore(): void;
  /** Stops listening and cuts everything. */
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 (a free port) to host:port. */
export function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect({ host, port });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const cut = () => {
    down = true;
    for (const socket of open) socket.destroy();
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : 0,
        cut,
        restore: () => {
          down = false;
        },
        close: () =>
          new Promise<void>((done) => {
            cut();
            server.close(() => done());
          }),
      });
    });
  });
}
