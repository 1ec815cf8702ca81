import type { Server, Socket } from 'node:net';

/** The client-facing listener of a gateway (a TCP server or a WebSocket server). */
export interface ClientServer {
  /** Starts listening on host:port; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting connections; open ones are the core's to close. */
  stopAccepting(): void;
  /** Resolves once the listener and every connection it accepted are gone, or after `timeoutMs`. */
  closed(timeoutMs: number): Promise<void>;
}

/** Waits for `closing` but at most `timeoutMs`. */
export function within(closing: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  return Promise.race([closing, timeout]).finally(() => clearTimeout(timer));
}

/** Listens on host:port, then reports later listener errors through `onError`; resolves with the bound port. */
export function listenOn(
  server: Server,
  host: string,
  port: number,
  onError: (error: Error) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host || undefined, port }, () => {
      server.off('error', reject);
      server.on('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Writes `frames` to a stream socket as one write: a single frame as is, several copied into one buffer. */
export function writeFrames(socket: Socket, frames: readonly Buffer[]): void {
  const [first] = frames;
  if (frames.length === 1 && first !== undefined) socket.write(first);
  else if (frames.length > 1) socket.write(Buffer.concat(frames));
}
