import { connect, Socket } from 'node:net';
import WebSocket from 'ws';
import {
  AckRequest,
  CloseNotice,
  decodePacket,
  encodePacket,
  encodePacketFrame,
  FrameDecoder,
  Message,
  Packet,
  PacketCommand,
  Reply,
  SendMessageReply,
  SendMessageRequest,
  SignInRequest,
  SubscribeRoomReply,
  SubscribeRoomRequest,
  SyncReply,
  SyncRequest,
} from '@gim/protocol';

/** Why the server closed a connection: its PC_CLOSE notice, if it sent one, and the WebSocket close code. */
export interface CloseInfo {
  notice?: CloseNotice;
  wsCode?: number;
  wsReason?: string;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** A device's long connection as a client would hold it, over TCP or WebSocket, speaking the gim protocol. */
export class TestConnection {
  /** Every PC_MESSAGE push received, in arrival order. */
  readonly pushes: Message[] = [];
  /** Packets the server sent on its own that are not pushes (e.g. the reply to an integrator's room subscription). */
  readonly unsolicited: Packet[] = [];
  /** How many PC_SYNC_NOTICE packets arrived. */
  syncNotices = 0;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<CloseInfo>;
  private readonly replies = new Map<string, Waiter<Reply>>();
  private pushWaiters: Array<{ count: number; waiter: Waiter<Message[]> }> = [];
  private nextRequest = 0;
  private notice: CloseNotice | undefined;
  private settleClosed!: (info: CloseInfo) => void;

  private constructor(
    private readonly transport: 'tcp' | 'ws',
    private readonly socket: Socket | undefined,
    private readonly ws: WebSocket | undefined,
  ) {
    this.closed = new Promise((resolve) => (this.settleClosed = resolve));
  }

  /** Opens a TCP connection to a gateway. */
  static async tcp(port: number): Promise<TestConnection> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const connection = new TestConnection('tcp', socket, undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) connection.onPacket(decodePacket(frame));
      } catch (error) {
        socket.destroy(error as Error);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => connection.onClose({}));
    return connection;
  }

  /** Opens a WebSocket connection to a gateway (optionally with Go-gim style query-string credentials). */
  static async ws(port: number, query = ''): Promise<TestConnection> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`);
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const connection = new TestConnection('ws', undefined, ws);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) connection.onPacket(decodePacket(data));
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number, reason: Buffer) =>
      connection.onClose({ wsCode: code, wsReason: reason.toString() }),
    );
    return connection;
  }

  /** Sends a packet and waits for the reply carrying its request_id. */
  request(
    command: PacketCommand,
    content: Uint8Array = new Uint8Array(),
    timeoutMs = 10_000,
  ): Promise<Reply> {
    const requestId = `r${++this.nextRequest}`;
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(requestId);
        reject(new Error(`no reply to ${PacketCommand[command]} (${requestId}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replies.set(requestId, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
    });
    this.write({ requestId, command, content: Buffer.from(content), seq: 0 });
    return reply;
  }

  /** PC_SIGN_IN. */
  signIn(userId: number, deviceId: number, token: string): Promise<Reply> {
    return this.request(PacketCommand.PC_SIGN_IN, SignInRequest.encode({ userId, deviceId, token }).finish());
  }

  /** PC_SEND_MESSAGE; throws when the reply's code is not 0. */
  async send(toUserId: number, clientMsgId: string, content: string): Promise<SendMessageReply> {
    const reply = await this.request(
      PacketCommand.PC_SEND_MESSAGE,
      SendMessageRequest.encode({
        clientMsgId,
        toUserId,
        toGroupId: 0,
        toRoomId: 0,
        content: Buffer.from(content),
      }).finish(),
    );
    if (reply.code !== 0) throw new Error(`send failed: ${reply.code} ${reply.message}`);
    return SendMessageReply.decode(reply.data);
  }

  /** PC_SEND_MESSAGE to a group; throws when the reply's code is not 0. */
  async sendToGroup(groupId: number, clientMsgId: string, content: string): Promise<SendMessageReply> {
    const reply = await this.request(
      PacketCommand.PC_SEND_MESSAGE,
      SendMessageRequest.encode({
        clientMsgId,
        toUserId: 0,
        toGroupId: groupId,
        toRoomId: 0,
        content: Buffer.from(content),
      }).finish(),
    );
    if (reply.code !== 0) throw new Error(`send failed: ${reply.code} ${reply.message}`);
    return SendMessageReply.decode(reply.data);
  }

  /** PC_SUBSCRIBE_ROOM (room 0 leaves); the reply and its SubscribeRoomReply, whatever the code. */
  async subscribeRoom(roomId: number, seq = 0): Promise<{ reply: Reply; room: SubscribeRoomReply }> {
    const reply = await this.request(
      PacketCommand.PC_SUBSCRIBE_ROOM,
      SubscribeRoomRequest.encode({ roomId, seq }).finish(),
    );
    return { reply, room: SubscribeRoomReply.decode(reply.data) };
  }

  /** PC_SEND_MESSAGE to the room the connection is in; the reply, whatever the code. */
  sendToRoom(roomId: number, clientMsgId: string, content: string): Promise<Reply> {
    return this.request(
      PacketCommand.PC_SEND_MESSAGE,
      SendMessageRequest.encode({
        clientMsgId,
        toUserId: 0,
        toGroupId: 0,
        toRoomId: roomId,
        content: Buffer.from(content),
      }).finish(),
    );
  }

  /** PC_SYNC; throws when the reply's code is not 0. */
  async sync(seq: number, limit = 0): Promise<SyncReply> {
    const reply = await this.request(PacketCommand.PC_SYNC, SyncRequest.encode({ seq, limit }).finish());
    if (reply.code !== 0) throw new Error(`sync failed: ${reply.code} ${reply.message}`);
    return SyncReply.decode(reply.data);
  }

  /** Every message after `seq`, following has_more page by page. */
  async syncAll(seq: number, limit: number): Promise<{ messages: Message[]; pages: number }> {
    const messages: Message[] = [];
    let pages = 0;
    for (let after = seq; ;) {
      const page = await this.sync(after, limit);
      pages++;
      messages.push(...page.messages);
      if (!page.hasMore) return { messages, pages };
      after = page.messages.at(-1)!.seq;
    }
  }

  /** PC_ACK. */
  ack(seq: number): Promise<Reply> {
    return this.request(PacketCommand.PC_ACK, AckRequest.encode({ seq }).finish());
  }

  /** Resolves once `count` pushes in total have arrived (or rejects after the timeout). */
  waitForPushes(count: number, timeoutMs = 10_000): Promise<Message[]> {
    if (this.pushes.length >= count) return Promise.resolve(this.pushes.slice(0, count));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${count} pushes, got ${this.pushes.length} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pushWaiters.push({
        count,
        waiter: {
          resolve: (value) => (clearTimeout(timer), resolve(value)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        },
      });
    });
  }

  /** Resolves once `count` PC_SYNC_NOTICE packets in total have arrived (or rejects after the timeout). */
  async waitForSyncNotices(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.syncNotices < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} sync notices, got ${this.syncNotices} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Writes raw bytes (for malformed-input tests). */
  writeRaw(bytes: Buffer): void {
    if (this.socket) this.socket.write(bytes);
    else this.ws!.send(bytes);
  }

  /** Closes from the client side. */
  close(): void {
    this.socket?.destroy();
    this.ws?.terminate();
  }

  private write(packet: Packet): void {
    if (this.transport === 'tcp') this.socket!.write(encodePacketFrame(packet));
    else this.ws!.send(encodePacket(packet));
  }

  private onPacket(packet: Packet): void {
    if (packet.command === PacketCommand.PC_MESSAGE) {
      this.pushes.push(Message.decode(packet.content));
      this.pushWaiters = this.pushWaiters.filter(({ count, waiter }) => {
        if (this.pushes.length < count) return true;
        waiter.resolve(this.pushes.slice(0, count));
        return false;
      });
      return;
    }
    if (packet.command === PacketCommand.PC_SYNC_NOTICE) {
      this.syncNotices++;
      return;
    }
    if (packet.command === PacketCommand.PC_CLOSE) {
      this.notice = CloseNotice.decode(packet.content);
      return;
    }
    const waiter = this.replies.get(packet.requestId);
    if (waiter) {
      this.replies.delete(packet.requestId);
      waiter.resolve(Reply.decode(packet.content));
    } else if (packet.requestId === '') this.unsolicited.push(packet);
  }

  private onClose(info: CloseInfo): void {
    const closed = { ...info, ...(this.notice ? { notice: this.notice } : {}) };
    for (const waiter of this.replies.values()) waiter.reject(new Error('connection closed'));
    this.replies.clear();
    for (const { waiter } of this.pushWaiters) waiter.reject(new Error('connection closed'));
    this.pushWaiters = [];
    this.settleClosed(closed);
  }
}
