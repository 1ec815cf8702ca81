import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, Repository } from 'typeorm';
import { Database, isDuplicateKey, UserEntity } from '@gim/storage';
import { DEFAULT_APP_ID } from '../app/app';
import { BUSINESS_DATA_SOURCE } from '../business.tokens';
import { Profile, User } from './user';

/** Where users live. */
export abstract class UserRepository {
  /** The user with this id, if any. */
  abstract findById(id: number): Promise<User | undefined>;
  /**
   * The users of an app among the ids the app calls them by, in no particular order: the one way an id from a
   * client or an integrator becomes a user (in the default app those ids are gim's own).
   */
  abstract findInApp(appId: number, appUserIds: readonly number[]): Promise<User[]>;
  /** The users among these ids that exist, in no particular order. */
  abstract findByIds(ids: readonly number[]): Promise<User[]>;
  /** The user an app calls `appUserId`, created in the app if there is none yet; safe when two sign-ins race. */
  abstract findOrCreateInApp(appId: number, appUserId: number): Promise<User>;
  /** Creates the app's users that do not exist yet (ids as the app names them); returns the ids created now. */
  abstract createInApp(appId: number, users: readonly ({ userId: number } & Profile)[]): Promise<number[]>;
  /** Raises the user's token revocation time to `seconds` (never lowers it). */
  abstract raiseTokensNotBefore(id: number, seconds: number): Promise<void>;
  /** The user with this phone number, created if there is none yet; safe when two sign-ins race. */
  abstract findOrCreateByPhone(phoneNumber: string): Promise<{ user: User; created: boolean }>;
  /** Replaces a user's profile; false when the user does not exist. */
  abstract updateProfile(id: number, profile: Profile): Promise<boolean>;
  /** Users of the app whose phone number is exactly `key` (first) or whose nickname contains it, by id. */
  abstract search(appId: number, key: string, limit: number): Promise<User[]>;
}

function toUser(row: UserEntity): User {
  return {
    id: row.id,
    appId: row.appId,
    appUserId: row.appUserId ?? row.id,
    tokensNotBefore: row.tokensNotBefore,
    phoneNumber: row.phoneNumber ?? '',
    nickname: row.nickname,
    sex: row.sex,
    avatarUrl: row.avatarUrl,
    extra: row.extra,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const LIKE_ESCAPE = '!';

function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (character) => `${LIKE_ESCAPE}${character}`);
}

/** UserRepository over the `user` table. */
@Injectable()
export class TypeOrmUserRepository extends UserRepository {
  private readonly rows: Repository<UserEntity>;
  private readonly db: Database;

  constructor(@Inject(BUSINESS_DATA_SOURCE) dataSource: DataSource) {
    super();
    this.rows = dataSource.getRepository(UserEntity);
    this.db = Database.of(dataSource);
  }

  override async findById(id: number): Promise<User | undefined> {
    const row = await this.db.run(() => this.rows.findOneBy({ id }));
    return row ? toUser(row) : undefined;
  }

  override async findByIds(ids: readonly number[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.run(() => this.rows.findBy({ id: In([...new Set(ids)]) }));
    return rows.map(toUser);
  }

  override async findInApp(appId: number, appUserIds: readonly number[]): Promise<User[]> {
    if (appUserIds.length === 0) return [];
    const ids = In([...new Set(appUserIds)]);
    const rows = await this.db.run(() =>
      this.rows.findBy(appId === DEFAULT_APP_ID ? { appId, id: ids } : { appId, appUserId: ids }),
    );
    return rows.map(toUser);
  }

  override async findOrCreateInApp(appId: number, appUserId: number): Promise<User> {
    const existing = await this.db.run(() => this.rows.findOneBy({ appId, appUserId }));
    if (existing) return toUser(existing);
    try {
      await this.db.run(() =>
        this.rows.insert({
          appId,
          appUserId,
          phoneNumber: null,
          nickname: '',
          sex: 0,
          avatarUrl: '',
          extra: '',
        }),
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    return toUser(await this.db.run(() => this.rows.findOneByOrFail({ appId, appUserId })));
  }

  override async createInApp(
    appId: number,
    users: readonly ({ userId: number } & Profile)[],
  ): Promise<number[]> {
    if (users.length === 0) return [];
    const existing = new Set(
      (
        await this.findInApp(
          appId,
          users.map((user) => user.userId),
        )
      ).map((user) => user.appUserId),
    );
    const missing = users.filter((user) => !existing.has(user.userId));
    if (missing.length === 0) return [];
    await this.db.run(() =>
      this.rows
        .createQueryBuilder()
        .insert()
        .values(
          missing.map((user) => ({
            appId,
            appUserId: user.userId,
            phoneNumber: null,
            nickname: user.nickname,
            sex: user.sex,
            avatarUrl: user.avatarUrl,
            extra: user.extra,
          })),
        )
        .orIgnore()
        .execute(),
    );
    return missing.map((user) => user.userId);
  }

  override async raiseTokensNotBefore(id: number, seconds: number): Promise<void> {
    await this.db.run(() =>
      this.rows
        .createQueryBuilder()
        .update()
        .set({ tokensNotBefore: seconds })
        .where('id = :id AND tokens_not_before < :seconds', { id, seconds })
        .execute(),
    );
  }

  override async findOrCreateByPhone(phoneNumber: string): Promise<{ user: User; created: boolean }> {
    const existing = await this.db.run(() => this.rows.findOneBy({ phoneNumber }));
    if (existing) return { user: toUser(existing), created: false };
    let created = true;
    try {
      await this.db.run(() =>
        this.rows.insert({ phoneNumber, nickname: '', sex: 0, avatarUrl: '', extra: '' }),
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      created = false;
    }
    const row = await this.db.run(() => this.rows.findOneByOrFail({ phoneNumber }));
    return { user: toUser(row), created };
  }

  override async updateProfile(id: number, profile: Profile): Promise<boolean> {
    const result = await this.db.run(() =>
      this.rows.update(
        { id },
        { nickname: profile.nickname, sex: profile.sex, avatarUrl: profile.avatarUrl, extra: profile.extra },
      ),
    );
    if ((result.affected ?? 0) > 0) return true;
    return this.db.run(() => this.rows.existsBy({ id }));
  }

  override async search(appId: number, key: string, limit: number): Promise<User[]> {
    const byPhone = await this.db.run(() => this.rows.findOneBy({ appId, phoneNumber: key }));
    const byNickname = await this.db.run(() =>
      this.rows
        .createQueryBuilder('user')
        .where('user.app_id = :appId', { appId })
        .andWhere(`user.nickname LIKE :pattern ESCAPE '${LIKE_ESCAPE}'`, { pattern: `%${escapeLike(key)}%` })
        .orderBy('user.id', 'ASC')
        .limit(limit)
        .getMany(),
    );
    const rows = byPhone ? [byPhone, ...byNickname.filter((row) => row.id !== byPhone.id)] : byNickname;
    return rows.slice(0, limit).map(toUser);
  }
}
