// Test support for logic's use cases: real SQLite storage, the in-process bus and presence, and a hand-written
// stand-in for business (the one gRPC dependency) behind the real UserDirectory.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Channels, MemoryBus } from '@gim/bus';
import { loadConfig } from '@gim/config';
import { businessFriendInt, businessUserExt, businessUserInt, connectInt, Empty } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { decodePacket, encodeSeqPush, Message, Packet } from '@gim/protocol';
import { PromiseClient } from '@gim/rpc';
import { createDataSource, Database, LOGIC_ENTITIES } from '@gim/storage';
import { tempDir } from '@gim/testing';
import { DataSource } from 'typeorm';
import { DeviceRepository } from '../src/lib/device/device.repository';
import { LogicConfig } from '../src/lib/logic.config';
import { Fanout } from '../src/lib/message/fanout';
import { MessageRepository } from '../src/lib/message/message.repository';
import { MessagingPolicy } from '../src/lib/message/messaging-policy';
import { StoreQueue } from '../src/lib/message/store-queue';
import { MemoryPresence } from '../src/lib/presence/memory-presence';
import { UserDirectory } from '../src/lib/user/user-directory';

/** A validated LogicConfig for tests, from variables given as strings. */
export function testConfig(env: Record<string, string> = {}): LogicConfig {
  return loadConfig(LogicConfig, { NODE_ENV: 'test', GIM_PRESENCE: 'memory', ...env });
}

/** Lets the in-process bus deliver what was published. */
export function settle(): Promise<void> {
  return nextTurn();
}

/** business's UserIntService as logic calls it: users and device tokens in maps. */
export class FakeBusiness implements PromiseClient<businessUserInt.UserIntServiceClient> {
  readonly users = new Map<number, businessUserExt.User>();
  private readonly tokens = new Map<string, string>();

  addUser(userId: number, nickname = `user-${userId}`): void {
    this.users.set(userId, {
      userId,
      nickname,
      sex: 0,
      avatarUrl: `https://avatars.test/${userId}.png`,
      extra: '',
      createTime: 0,
      updateTime: 0,
      appId: 1,
      appUserId: userId,
    });
  }

  /** Makes `token` the live token of the user's device. */
  issueToken(userId: number, deviceId: number, token: string): void {
    this.tokens.set(`${userId}/${deviceId}`, token);
  }

  async auth(request: businessUserInt.AuthRequest): Promise<businessUserInt.AuthReply> {
    if (this.tokens.get(`${request.userId}/${request.deviceId}`) !== request.token) {
      throw new GimError(ErrorCode.Unauthorized, 'unauthorized: bad token');
    }
    const { userId, deviceId } = request;
    return { appId: 1, userId, deviceId, appUserId: userId, appDeviceId: deviceId };
  }

  async createUsers(): Promise<businessUserInt.CreateUsersReply> {
    throw new Error('logic never creates users');
  }

  async updateUser(): Promise<Empty> {
    throw new Error('logic never updates users');
  }

  async revokeTokens(): Promise<Empty> {
    throw new Error('logic never revokes tokens');
  }

  async findAppUsers(
    request: businessUserInt.FindAppUsersRequest,
  ): Promise<businessUserInt.FindAppUsersReply> {
    const users = [...this.users.values()].filter(
      (user) => user.appId === request.appId && request.appUserIds.includes(user.appUserId),
    );
    return { users };
  }

  async getUser(request: businessUserExt.GetUserRequest): Promise<businessUserExt.GetUserReply> {
    const user = this.users.get(request.userId);
    if (!user) throw new GimError(ErrorCode.UserNotFound);
    return { user };
  }

  async getUsers(request: businessUserInt.GetUsersRequest): Promise<businessUserInt.GetUsersReply> {
    const users: Record<number, businessUserExt.User> = {};
    for (const key of Object.keys(request.userIds)) {
      const user = this.users.get(Number(key));
      if (user) users[user.userId] = user;
    }
    return { users };
  }

  /** Nothing to release: no channel is open. */
  close(): void {
    return;
  }
}

/** logic's database in a fresh SQLite file, with its repositories. */
export interface LogicStorage {
  dataSource: DataSource;
  messages: MessageRepository;
  /** Group commit in front of `messages`, as the use cases get it. */
  store: StoreQueue;
  devices: DeviceRepository;
  close(): Promise<void>;
}

export async function openLogicStorage(label: string): Promise<LogicStorage> {
  const dir = await tempDir(label);
  const dataSource = await createDataSource(`sqlite:${dir.path}/logic.sqlite`, LOGIC_ENTITIES, {
    schema: 'logic',
  });
  const db = Database.of(dataSource);
  const messages = new MessageRepository(db);
  return {
    dataSource,
    messages,
    store: new StoreQueue(messages, { maxWaiting: 1_000, maxBatch: 100, maxWaitMs: 60_000, concurrency: 2 }),
    devices: new DeviceRepository(db),
    async close() {
      await dataSource.destroy();
      await dir.remove();
    },
  };
}

/** One push of a batch as a gateway sees it: its devices and the decoded packet and message. */
export interface ReceivedPush {
  deviceIds: number[];
  bytes: Buffer;
  packet: Packet;
  message: Message;
}

/** Records every GatewayBatch published on one channel, as the gateway listening there would get it. */
export class ChannelTap {
  readonly batches: connectInt.GatewayBatch[] = [];

  private constructor(readonly channel: string) {}

  static async on(bus: MemoryBus, channel: string): Promise<ChannelTap> {
    const tap = new ChannelTap(channel);
    await bus.subscribe(channel, (payload) => tap.batches.push(connectInt.GatewayBatch.decode(payload)));
    return tap;
  }

  /**
   * Every push of the batches in order: framed pushes as they are, and each message encoded once for several
   * devices (seq pushes) as one push per run of devices receiving it with the same seq.
   */
  pushes(): ReceivedPush[] {
    const received = (deviceIds: number[], bytes: Buffer): ReceivedPush => {
      const packet = decodePacket(bytes);
      return { deviceIds, bytes, packet, message: Message.decode(packet.content) };
    };
    return this.batches.flatMap((batch) => [
      ...batch.pushes.map((push) => received(push.deviceIds, push.packet)),
      ...batch.seqPushes.flatMap((push) => {
        const runs: Array<{ seq: number; deviceIds: number[] }> = [];
        for (const { deviceId, seq } of push.targets) {
          const last = runs.at(-1);
          if (last?.seq === seq) last.deviceIds.push(deviceId);
          else runs.push({ seq, deviceIds: [deviceId] });
        }
        return runs.map((run) => received(run.deviceIds, encodeSeqPush(push.message, run.seq)));
      }),
    ]);
  }

  kicks(): connectInt.Kick[] {
    return this.batches.flatMap((batch) => batch.kicks);
  }
}

/** FriendIntService as a test sets it: every send allowed but the pairs given a refusal code. */
export class FakeFriends implements PromiseClient<businessFriendInt.FriendIntServiceClient> {
  /** `sender:receiver` → the code CheckSends answers. */
  readonly refusals = new Map<string, number>();
  /** Every CheckSends call's pairs. */
  readonly calls: businessFriendInt.SendPair[][] = [];

  async checkSends(request: businessFriendInt.CheckSendsRequest): Promise<businessFriendInt.CheckSendsReply> {
    this.calls.push(request.pairs);
    return {
      codes: request.pairs.map((pair) => this.refusals.get(`${pair.senderId}:${pair.receiverId}`) ?? 0),
    };
  }
}

/** The in-process parts of logic around its use cases: bus, presence, fan-out and the user directory. */
export class LogicWorld {
  readonly bus = new MemoryBus();
  readonly presence = new MemoryPresence();
  readonly channels = new Channels('test:');
  readonly fanout = new Fanout(this.bus, this.channels, this.presence);
  readonly business = new FakeBusiness();
  readonly users = new UserDirectory(this.business);
  readonly friends = new FakeFriends();
  readonly policy = new MessagingPolicy(this.friends);
  private readonly taps = new Map<string, ChannelTap>();

  /** A gateway with a live lease; its channel is recorded. */
  async gateway(gatewayId: string): Promise<ChannelTap> {
    await this.presence.renewLease(gatewayId, 60);
    return this.tap(this.channels.gateway(gatewayId));
  }

  /** Records what is published on a channel (the same tap for the same channel). */
  async tap(channel: string): Promise<ChannelTap> {
    let tap = this.taps.get(channel);
    if (!tap) {
      tap = await ChannelTap.on(this.bus, channel);
      this.taps.set(channel, tap);
    }
    return tap;
  }

  /** Every batch published on any recorded channel. */
  published(): connectInt.GatewayBatch[] {
    return [...this.taps.values()].flatMap((tap) => tap.batches);
  }

  /** Signs a device in on a gateway connection, as DeviceIntService.SignIn records it. */
  async online(userId: number, deviceId: number, gatewayId: string, connId = deviceId): Promise<void> {
    await this.presence.setOnline(userId, deviceId, { gatewayId, connId });
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.presence.close();
  }
}
