import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory owned by one test suite. */
export interface TempDir {
  path: string;
  /** Deletes the directory and everything in it. */
  remove(): Promise<void>;
}

/** Creates a fresh directory under the OS temp folder, named after the label. */
export async function tempDir(label: string): Promise<TempDir> {
  const safe = label.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40);
  const path = await mkdtemp(join(tmpdir(), `gim-${safe}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
