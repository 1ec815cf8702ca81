// The file service: chat files uploaded by signed-in devices, streamed to a file store, served over HTTP.
export { FileConfig } from './lib/file.config';
export { startFile, type RunningFile, type StartFileOptions } from './lib/start-file';
export { FileModule, type FileRuntime } from './lib/file.module';
export { FileStore } from './lib/file-store';
export { DiskFileStore } from './lib/disk-file-store';
export { CallerAuthenticator, type Caller, type Credentials } from './lib/caller';
export { FileErrorCode } from './lib/file-errors';
