import { Inject, Injectable, Logger } from '@nestjs/common';
import { OutageLog, unavailable } from '@gim/errors';
import { DEFAULT_DEADLINE_MS, INTERNAL_METADATA_KEY } from '@gim/rpc';
import { BusinessConfig } from '../business.config';
import { BUSINESS_INTERNAL_SECRET } from '../business.tokens';
import { UploadedFiles } from './moment-files';

/** What the file app's `GET /internal/files/owned` answers. */
interface OwnedReply {
  code?: unknown;
  message?: unknown;
  data?: { names?: unknown };
}

/** UploadedFiles backed by the file app's internal route `GET /internal/files/owned`, with the internal credential. */
@Injectable()
export class FileAppUploadedFiles extends UploadedFiles {
  private readonly logger = new Logger('moments');
  private readonly outages = new OutageLog((line) => this.logger.warn(line));
  private readonly endpoint: string;

  constructor(
    config: BusinessConfig,
    @Inject(BUSINESS_INTERNAL_SECRET) private readonly internalSecret: string,
  ) {
    super();
    this.endpoint = `http://${config.GIM_FILE_HTTP_ADDR}/internal/files/owned`;
  }

  override async ownedBy(appId: number, userId: number, names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const query = new URLSearchParams({ app_id: String(appId), user_id: String(userId) });
    for (const name of names) query.append('name', name);
    let reply: OwnedReply;
    try {
      const response = await fetch(`${this.endpoint}?${query.toString()}`, {
        headers: { [INTERNAL_METADATA_KEY]: this.internalSecret },
        signal: AbortSignal.timeout(DEFAULT_DEADLINE_MS),
      });
      reply = (await response.json()) as OwnedReply;
      if (!response.ok || reply.code !== 0) {
        throw new Error(`HTTP ${response.status}, code ${String(reply.code)}: ${String(reply.message)}`);
      }
    } catch (error) {
      const failure = unavailable('file service', error);
      this.outages.failed('file service', failure.message);
      throw failure;
    }
    this.outages.recovered('file service');
    const owned = Array.isArray(reply.data?.names) ? reply.data.names : [];
    return new Set(owned.filter((name): name is string => typeof name === 'string'));
  }
}
