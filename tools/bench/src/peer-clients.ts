// Clients of the baseline servers: socket.io-client over WebSocket only, a bare `ws` client, a bare TCP socket.
import { connect } from 'node:net';
import { io, Socket as IoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import type { BaselineKind } from './baseline-server';

/** One open connection to a baseline server. */
export interface PeerClient {
  /** Broadcast events received (socket.io only). */
  events: number;
  close(): void;
}

export async function openPeer(kind: BaselineKind, port: number, onEvent?: () => void): Promise<PeerClient> {
  if (kind === 'socketio') {
    const socket: IoSocket = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const client: PeerClient = { events: 0, close: () => socket.disconnect() };
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
    return { events: 0, close: () => ws.terminate() };
  }
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { events: 0, close: () => socket.destroy() };
}
