// Clients of the baseline servers: socket.io-client over WebSocket only, a bare `ws` client, a bare TCP socket.
import { connect } from 'node:net';
import { io, Socket as IoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import type { BaselineKind } from './baseline-server';

/** One open connection to a baseline server. */
export interface PeerClient {
  /** Broadcast events received (socket.io only). */
  events: number;
  /** Joins a room on the server and resolves once the server acknowledged it (socket.io only). */
  join(room: string): Promise<void>;
  close(): void;
}

const noRooms = (): Promise<void> => Promise.reject(new Error('only socket.io clients join rooms'));

export async function openPeer(kind: BaselineKind, port: number, onEvent?: () => void): Promise<PeerClient> {
  if (kind === 'socketio') {
    const socket: IoSocket = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const client: PeerClient = {
      events: 0,
      join: async (room) => {
        await socket.timeout(30_000).emitWithAck('join', room);
      },
      close: () => socket.disconnect(),
    };
    socket.on('m', () => {
      client.events++;
      onEvent?.();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return client;
  }
  if (kind === 'ws') {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return { events: 0, join: noRooms, close: () => ws.terminate() };
  }
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { events: 0, join: noRooms, close: () => socket.destroy() };
}
