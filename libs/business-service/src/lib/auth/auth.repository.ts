import { Inject, Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { AuthTokenEntity, Database } from '@gim/storage';
import { BUSINESS_DATA_SOURCE } from '../business.tokens';
import { StoredToken } from './auth';

/** Where device tokens live: one live token per device. */
export abstract class TokenRepository {
  /** The device's live token, if it has one. */
  abstract findByDevice(deviceId: number): Promise<StoredToken | undefined>;
  /** Stores a device's token, replacing the one it had. */
  abstract replace(token: StoredToken): Promise<void>;
}

function toStoredToken(row: AuthTokenEntity): StoredToken {
  return { deviceId: row.deviceId, userId: row.userId, tokenHash: row.tokenHash, expiresAt: row.expiresAt };
}

/** TokenRepository over the `auth_token` table. */
@Injectable()
export class TypeOrmTokenRepository extends TokenRepository {
  private readonly rows: Repository<AuthTokenEntity>;
  private readonly db: Database;

  constructor(@Inject(BUSINESS_DATA_SOURCE) dataSource: DataSource) {
    super();
    this.rows = dataSource.getRepository(AuthTokenEntity);
    this.db = Database.of(dataSource);
  }

  override async findByDevice(deviceId: number): Promise<StoredToken | undefined> {
    const row = await this.db.run(() => this.rows.findOneBy({ deviceId }));
    return row ? toStoredToken(row) : undefined;
  }

  override async replace(token: StoredToken): Promise<void> {
    await this.db.run(() =>
      this.rows.upsert(
        {
          deviceId: token.deviceId,
          userId: token.userId,
          tokenHash: token.tokenHash,
          expiresAt: token.expiresAt,
        },
        { conflictPaths: ['deviceId'], skipUpdateIfNoValuesChanged: false },
      ),
    );
  }
}
