import { DataSource, In, LessThan, Repository } from 'typeorm';
import { Database, FileEntity } from '@gim/storage';

/** What the service knows of a stored file. */
export interface FileRecord {
  id: number;
  /** the stored name, which URLs carry */
  name: string;
  /** the uploader's app */
  appId: number;
  /** the uploader (gim's user id) */
  userId: number;
  size: number;
  contentType: string;
  sha256: Buffer;
  createdAt: Date;
}

function toRecord(row: FileEntity): FileRecord {
  return {
    id: row.id,
    name: row.name,
    appId: row.appId,
    userId: row.userId,
    size: row.size,
    contentType: row.contentType,
    sha256: row.sha256,
    createdAt: row.createdAt,
  };
}

/** The metadata of files (table `file`). */
export class FileRepository {
  private readonly rows: Repository<FileEntity>;
  private readonly db: Database;

  constructor(dataSource: DataSource) {
    this.rows = dataSource.getRepository(FileEntity);
    this.db = Database.of(dataSource);
  }

  /** Records a stored file. */
  async insert(file: Omit<FileRecord, 'id'>): Promise<FileRecord> {
    const result = await this.db.run(() => this.rows.insert(file));
    const id = Number((result.identifiers[0] as { id?: number } | undefined)?.id);
    return { ...file, id };
  }

  /** The file stored under `name`. */
  async findByName(name: string): Promise<FileRecord | undefined> {
    const row = await this.db.run(() => this.rows.findOneBy({ name }));
    return row ? toRecord(row) : undefined;
  }

  /** Of these names, those of files the user uploaded in the app. */
  async namesOwned(appId: number, userId: number, names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const rows = await this.db.run(() =>
      this.rows.find({ select: { name: true }, where: { appId, userId, name: In([...names]) } }),
    );
    return rows.map((row) => row.name);
  }

  /** A user's files, newest first, from before the file `beforeId` when given. */
  async listOwned(appId: number, userId: number, limit: number, beforeId?: number): Promise<FileRecord[]> {
    const rows = await this.db.run(() =>
      this.rows.find({
        where: { appId, userId, ...(beforeId === undefined ? {} : { id: LessThan(beforeId) }) },
        order: { id: 'DESC' },
        take: limit,
      }),
    );
    return rows.map(toRecord);
  }

  /** Forgets a file. */
  async delete(id: number): Promise<void> {
    await this.db.run(() => this.rows.delete({ id }));
  }
}
