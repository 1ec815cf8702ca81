import { trimUrlBase } from '@gim/config';

/**
 * The file app's URLs of stored files, `<public base>/file/<name>`: what a moment accepts from clients and what it
 * gives back. Moments keep only the names, so the URLs follow the setting when it changes.
 */
export class FileUrls {
  private readonly prefix: string;

  /** `publicUrl` is GIM_FILE_PUBLIC_URL; when it is '', the base is http://<fileAddress>, as the file app's own. */
  constructor(publicUrl: string, fileAddress: string) {
    this.prefix = `${trimUrlBase(publicUrl) || `http://${fileAddress}`}/file/`;
  }

  /** The stored name a URL of the file app carries; undefined for a URL of anything else. */
  nameOf(url: string): string | undefined {
    if (!url.startsWith(this.prefix)) return undefined;
    const name = url.slice(this.prefix.length);
    return name === '' || /[/?#]/.test(name) ? undefined : name;
  }

  /** The URL a stored file is downloaded from. */
  urlOf(name: string): string {
    return this.prefix + name;
  }
}

/** Who uploaded which file: the file app knows, and is asked when a moment names files. */
export abstract class UploadedFiles {
  /**
   * Of these names, those of files `userId` (gim's id) uploaded in app `appId`; a name that is not a stored
   * name (the file app's rule) is never among them. 10500 when the file app cannot answer.
   */
  abstract ownedBy(appId: number, userId: number, names: readonly string[]): Promise<Set<string>>;
}
