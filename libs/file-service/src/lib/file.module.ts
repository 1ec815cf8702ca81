import { DynamicModule, Module } from '@nestjs/common';
import { ClientGrpc, ClientsModule } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { businessUserInt } from '@gim/contracts';
import { grpcClientOptions, promiseClient } from '@gim/rpc';
import { BusinessAuthenticator, CallerAuthenticator } from './caller';
import { allowedTypes, FileConfig } from './file.config';
import { FileHttpServer } from './file-http.server';
import { FileRepository } from './file.repository';
import { FileStore } from './file-store';
import {
  DeleteFileUseCase,
  FindFileUseCase,
  ListFilesUseCase,
  OwnedFilesUseCase,
} from './manage-files.usecases';
import { UploadFileUseCase } from './upload-file.usecase';

/** What the file service's module is built from; created by startFile. */
export interface FileRuntime {
  config: FileConfig;
  /** sent on calls to business, and required of callers of the internal routes */
  internalSecret: string;
  /** an initialized data source holding the `file` table */
  dataSource: DataSource;
  /** an opened store */
  store: FileStore;
  /** replaces the check of tokens by business */
  authenticator?: CallerAuthenticator;
}

/** Injection token of the ClientGrpc (ClientsModule) of business. */
const BUSINESS_GRPC = Symbol('BUSINESS_GRPC');

/** The file service as one Nest module: uploads, downloads, listing and deleting, and its HTTP server. */
@Module({})
export class FileModule {
  /** Wires the module around an opened database and store. */
  static forRoot(runtime: FileRuntime): DynamicModule {
    const { config } = runtime;
    const authenticator = runtime.authenticator
      ? { provide: CallerAuthenticator, useValue: runtime.authenticator }
      : {
          provide: CallerAuthenticator,
          inject: [BUSINESS_GRPC],
          useFactory: (grpc: ClientGrpc) =>
            new BusinessAuthenticator(
              promiseClient<businessUserInt.UserIntServiceClient>(
                grpc,
                businessUserInt.USER_INT_SERVICE_NAME,
                {
                  internalSecret: runtime.internalSecret,
                },
              ),
            ),
        };
    return {
      module: FileModule,
      imports: runtime.authenticator
        ? []
        : [
            ClientsModule.register([
              {
                name: BUSINESS_GRPC,
                ...grpcClientOptions(
                  config.GIM_BUSINESS_GRPC_ADDR,
                  ['business'],
                  ['business/user.int.proto'],
                ),
              },
            ]),
          ],
      providers: [
        { provide: FileConfig, useValue: config },
        { provide: FileStore, useValue: runtime.store },
        { provide: FileRepository, useFactory: () => new FileRepository(runtime.dataSource) },
        authenticator,
        {
          provide: UploadFileUseCase,
          inject: [FileStore, FileRepository],
          useFactory: (store: FileStore, files: FileRepository) =>
            new UploadFileUseCase(
              { maxBytes: config.GIM_FILE_MAX_BYTES, allowed: allowedTypes(config) },
              store,
              files,
            ),
        },
        {
          provide: FindFileUseCase,
          inject: [FileRepository],
          useFactory: (files: FileRepository) => new FindFileUseCase(files),
        },
        {
          provide: ListFilesUseCase,
          inject: [FileRepository],
          useFactory: (files: FileRepository) => new ListFilesUseCase(files),
        },
        {
          provide: OwnedFilesUseCase,
          inject: [FileRepository],
          useFactory: (files: FileRepository) => new OwnedFilesUseCase(files),
        },
        {
          provide: DeleteFileUseCase,
          inject: [FileRepository, FileStore],
          useFactory: (files: FileRepository, store: FileStore) => new DeleteFileUseCase(files, store),
        },
        {
          provide: FileHttpServer,
          inject: [
            CallerAuthenticator,
            UploadFileUseCase,
            FindFileUseCase,
            ListFilesUseCase,
            DeleteFileUseCase,
            OwnedFilesUseCase,
            FileStore,
          ],
          useFactory: (
            authenticator: CallerAuthenticator,
            upload: UploadFileUseCase,
            find: FindFileUseCase,
            list: ListFilesUseCase,
            remove: DeleteFileUseCase,
            owned: OwnedFilesUseCase,
            store: FileStore,
          ) =>
            new FileHttpServer(
              {
                publicUrl: config.GIM_FILE_PUBLIC_URL,
                downloads: config.GIM_FILE_DOWNLOADS === 'app' ? 'app' : 'public',
                corsOrigins: config.GIM_FILE_CORS_ORIGINS.split(',')
                  .map((origin) => origin.trim())
                  .filter((origin) => origin !== ''),
                internalSecret: runtime.internalSecret,
              },
              { authenticator, upload, find, list, remove, owned, store },
            ),
        },
      ],
    };
  }
}
