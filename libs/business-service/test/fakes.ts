// Small hand-written in-memory stand-ins for the business service's ports, for unit tests of the use cases.
import { loadConfig } from '@gim/config';
import { AttemptStore } from '../src/lib/auth/attempt-store';
import { StoredToken } from '../src/lib/auth/auth';
import { TokenRepository } from '../src/lib/auth/auth.repository';
import { CodeVerifier } from '../src/lib/auth/code-verifier';
import { IssueTokenUseCase } from '../src/lib/auth/issue-token.usecase';
import { SignInLimiter } from '../src/lib/auth/sign-in-limiter';
import { BusinessConfig } from '../src/lib/business.config';
import { MessageSender, OutgoingUserMessage, SentMessage } from '../src/lib/friend/friend';
import { DeviceInfo, DeviceRegistry, Profile, User } from '../src/lib/user/user';
import { UserRepository } from '../src/lib/user/user.repository';

/** A validated BusinessConfig for tests, from variables given as strings. */
export function testConfig(env: Record<string, string> = {}): BusinessConfig {
  return loadConfig(BusinessConfig, { NODE_ENV: 'test', ...env });
}

/** Users in a Map; ids start at 10000 like the real table. */
export class InMemoryUserRepository implements UserRepository {
  readonly users = new Map<number, User>();
  private nextId = 10000;

  /** Adds a user directly, as if created earlier. */
  add(phoneNumber: string, profile: Partial<Profile> = {}): User {
    const now = new Date();
    const id = this.nextId++;
    const user: User = {
      id,
      appId: 1,
      appUserId: id,
      tokensNotBefore: 0,
      phoneNumber,
      nickname: '',
      sex: 0,
      avatarUrl: '',
      extra: '',
      ...profile,
      createdAt: now,
      updatedAt: now,
    };
    this.users.set(user.id, user);
    return user;
  }

  async findById(id: number): Promise<User | undefined> {
    return this.users.get(id);
  }

  async findByIds(ids: readonly number[]): Promise<User[]> {
    return [...this.users.values()].filter((user) => ids.includes(user.id));
  }

  async findInApp(appId: number, appUserIds: readonly number[]): Promise<User[]> {
    return [...this.users.values()].filter(
      (user) => user.appId === appId && appUserIds.includes(user.appUserId),
    );
  }

  async findOrCreateInApp(appId: number, appUserId: number): Promise<User> {
    const [existing] = await this.findInApp(appId, [appUserId]);
    if (existing) return existing;
    const user = { ...this.add(''), appId, appUserId };
    this.users.set(user.id, user);
    return user;
  }

  async createInApp(appId: number, users: readonly ({ userId: number } & Profile)[]): Promise<number[]> {
    const created: number[] = [];
    for (const { userId, ...profile } of users) {
      if ((await this.findInApp(appId, [userId])).length > 0) continue;
      const user = { ...this.add('', profile), appId, appUserId: userId };
      this.users.set(user.id, user);
      created.push(userId);
    }
    return created;
  }

  async raiseTokensNotBefore(id: number, seconds: number): Promise<void> {
    const user = this.users.get(id);
    if (user && user.tokensNotBefore < seconds) this.users.set(id, { ...user, tokensNotBefore: seconds });
  }

  async findOrCreateByPhone(phoneNumber: string): Promise<{ user: User; created: boolean }> {
    const existing = [...this.users.values()].find((user) => user.phoneNumber === phoneNumber);
    return existing ? { user: existing, created: false } : { user: this.add(phoneNumber), created: true };
  }

  async updateProfile(id: number, profile: Profile): Promise<boolean> {
    const user = this.users.get(id);
    if (!user) return false;
    this.users.set(id, { ...user, ...profile, updatedAt: new Date() });
    return true;
  }

  async search(appId: number, key: string, limit: number): Promise<User[]> {
    const all = [...this.users.values()].filter((user) => user.appId === appId);
    const byPhone = all.filter((user) => user.phoneNumber === key);
    const byNickname = all.filter((user) => user.nickname.includes(key) && !byPhone.includes(user));
    return [...byPhone, ...byNickname].slice(0, limit);
  }
}

/** Tokens in a Map keyed by device id. */
export class InMemoryTokenRepository implements TokenRepository {
  readonly tokens = new Map<number, StoredToken>();

  async findByDevice(deviceId: number): Promise<StoredToken | undefined> {
    return this.tokens.get(deviceId);
  }

  async replace(token: StoredToken): Promise<void> {
    this.tokens.set(token.deviceId, token);
  }
}

/** Records saved devices and hands out ids from 20000 for new ones. */
export class RecordingDeviceRegistry implements DeviceRegistry {
  readonly saved: { userId: number; device: DeviceInfo }[] = [];
  private nextId = 20000;

  async save(userId: number, device: DeviceInfo): Promise<number> {
    this.saved.push({ userId, device });
    return device.id > 0 ? device.id : this.nextId++;
  }

  private readonly appDevices = new Map<string, number>();

  async resolveAppDevice(userId: number, appDeviceId: number): Promise<number> {
    const key = `${userId}/${appDeviceId}`;
    const id = this.appDevices.get(key) ?? this.nextId++;
    this.appDevices.set(key, id);
    return id;
  }
}

/** Records sent messages and answers with increasing ids and seqs. */
export class RecordingMessageSender implements MessageSender {
  readonly sent: OutgoingUserMessage[] = [];

  async sendUserMessage(message: OutgoingUserMessage): Promise<SentMessage> {
    this.sent.push(message);
    return { messageId: 30000 + this.sent.length, seq: this.sent.length };
  }
}

/** An IssueTokenUseCase over an in-memory token store. */
export function issueTokenOver(
  tokens: InMemoryTokenRepository,
  env: Record<string, string> = {},
): IssueTokenUseCase {
  return new IssueTokenUseCase(tokens, testConfig(env));
}

/** A SignInLimiter over the given counters, with the default limits unless `env` changes them. */
export function signInLimiterOver(store: AttemptStore, env: Record<string, string> = {}): SignInLimiter {
  return new SignInLimiter(store, testConfig(env));
}

/** Accepts one code for every phone number and records what it was asked; `failing` makes verify throw. */
export class RecordingCodeVerifier extends CodeVerifier {
  readonly verified: string[] = [];
  readonly invalidated: string[] = [];
  failing = false;

  constructor(private readonly acceptedCode: string) {
    super();
  }

  override async verify(phoneNumber: string, code: string): Promise<boolean> {
    if (this.failing) throw new Error('verification provider down (test)');
    this.verified.push(phoneNumber);
    return code === this.acceptedCode;
  }

  override async invalidate(phoneNumber: string): Promise<void> {
    this.invalidated.push(phoneNumber);
  }
}
