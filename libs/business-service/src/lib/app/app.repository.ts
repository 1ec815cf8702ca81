import { Inject, Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { AppCredentialEntity, AppEntity, AppKeyEntity, Database, isDuplicateKey } from '@gim/storage';
import { BUSINESS_DATA_SOURCE } from '../business.tokens';
import { App, AppSettings, AppState, DEFAULT_APP_ID, parseSettings } from './app';
import type { TokenAlgorithm } from './app-key';

/** A stored token-verification key. */
export interface StoredAppKey {
  kid: string;
  alg: TokenAlgorithm;
  material: string;
  createdAt: Date;
}

/** How many integrator credentials an app holds at once: the current one and the one before it. */
export const CREDENTIALS_KEPT = 2;

/** Where apps, their keys and their credential hashes live. */
@Injectable()
export class AppRepository {
  private readonly apps: Repository<AppEntity>;
  private readonly credentials: Repository<AppCredentialEntity>;
  private readonly keys: Repository<AppKeyEntity>;
  private readonly db: Database;

  constructor(@Inject(BUSINESS_DATA_SOURCE) dataSource: DataSource) {
    this.apps = dataSource.getRepository(AppEntity);
    this.credentials = dataSource.getRepository(AppCredentialEntity);
    this.keys = dataSource.getRepository(AppKeyEntity);
    this.db = Database.of(dataSource);
  }

  /** Creates the default app (id 1) unless it exists. */
  async ensureDefault(): Promise<void> {
    if (await this.db.run(() => this.apps.existsBy({ id: DEFAULT_APP_ID }))) return;
    try {
      await this.db.run(() =>
        this.apps.insert({ id: DEFAULT_APP_ID, name: 'default', status: AppState.Active, settings: '{}' }),
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** A new active app. */
  async create(name: string): Promise<App> {
    const result = await this.db.run(() =>
      this.apps.insert({ name, status: AppState.Active, settings: '{}' }),
    );
    const id = Number((result.identifiers[0] as { id: number | string }).id);
    return this.getOrFail(id);
  }

  /** The app with this id, if any. */
  async find(id: number): Promise<App | undefined> {
    const row = await this.db.run(() => this.apps.findOneBy({ id }));
    return row ? toApp(row) : undefined;
  }

  private async getOrFail(id: number): Promise<App> {
    return toApp(await this.db.run(() => this.apps.findOneByOrFail({ id })));
  }

  /** Every app, oldest first. */
  async list(): Promise<App[]> {
    const rows = await this.db.run(() => this.apps.find({ order: { id: 'ASC' } }));
    return rows.map(toApp);
  }

  /** Sets an app's status; false when there is no such app. */
  async setStatus(id: number, status: number): Promise<boolean> {
    const result = await this.db.run(() => this.apps.update({ id }, { status }));
    return (result.affected ?? 0) > 0 || (await this.db.run(() => this.apps.existsBy({ id })));
  }

  /** Replaces an app's settings; false when there is no such app. */
  async updateSettings(id: number, settings: AppSettings): Promise<boolean> {
    const result = await this.db.run(() => this.apps.update({ id }, { settings: JSON.stringify(settings) }));
    return (result.affected ?? 0) > 0 || (await this.db.run(() => this.apps.existsBy({ id })));
  }

  /** Hashes of the app's valid credentials, newest first. */
  async credentialHashes(appId: number): Promise<Buffer[]> {
    const rows = await this.db.run(() =>
      this.credentials.find({ where: { appId }, order: { createdAt: 'DESC' } }),
    );
    return rows.map((row) => row.credentialHash);
  }

  /** Adds a credential; keeps it and the newest `keep - 1` others, drops the rest. */
  async addCredential(appId: number, hash: Buffer, keep: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = tx.manager.getRepository(AppCredentialEntity);
      await rows.insert({ appId, credentialHash: hash });
      const all = await rows.find({ where: { appId }, order: { createdAt: 'DESC' } });
      const newest = all.find((row) => row.credentialHash.equals(hash));
      const others = all.filter((row) => row !== newest);
      for (const stale of others.slice(Math.max(0, keep - 1))) {
        await rows.delete({ appId, credentialHash: stale.credentialHash });
      }
    });
  }

  /** The app's token-verification keys. */
  async keysOf(appId: number): Promise<StoredAppKey[]> {
    const rows = await this.db.run(() => this.keys.find({ where: { appId }, order: { createdAt: 'ASC' } }));
    return rows.map((row) => ({
      kid: row.kid,
      alg: row.alg as TokenAlgorithm,
      material: row.material,
      createdAt: row.createdAt,
    }));
  }

  /** Adds a key; false when the app already has one with this kid. */
  async addKey(appId: number, key: Omit<StoredAppKey, 'createdAt'>): Promise<boolean> {
    try {
      await this.db.run(() =>
        this.keys.insert({ appId, kid: key.kid, alg: key.alg, material: key.material }),
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Removes a key; false when there was none. */
  async removeKey(appId: number, kid: string): Promise<boolean> {
    const result = await this.db.run(() => this.keys.delete({ appId, kid }));
    return (result.affected ?? 0) > 0;
  }
}

function toApp(row: AppEntity): App {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    settings: parseSettings(row.settings),
    createdAt: row.createdAt,
  };
}
