// TypeORM entities of gim's tables, the data sources that hold them (MySQL/MariaDB or SQLite), and the one way repositories run SQL on them.
export { AppCredentialEntity } from './business/app-credential.entity';
export { AppKeyEntity } from './business/app-key.entity';
export { AppEntity, AppStatus } from './business/app.entity';
export { SchemaVersionEntity } from './common/schema-version.entity';
export { AuthTokenEntity } from './business/auth-token.entity';
export { UserEntity } from './business/user.entity';
export { FriendEntity, UserBlockEntity } from './business/friend.entity';
export { MomentCommentEntity, MomentEntity, MomentLikeEntity } from './business/moment.entity';
export { DeviceAckEntity } from './logic/device-ack.entity';
export { DeviceEntity } from './logic/device.entity';
export { GroupEntity, GroupMemberEntity } from './logic/group.entity';
export { MessageEntity } from './logic/message.entity';
export { SendDedupEntity } from './logic/send-dedup.entity';
export { SeqEntity, SeqObjectType } from './logic/seq.entity';
export { UserMessageEntity } from './logic/user-message.entity';
export { BUSINESS_ENTITIES, LOGIC_ENTITIES } from './entities';
export { FILE_ENTITIES } from './entities';
export { FileEntity } from './file/file.entity';
export { bigintAsNumber, entitySchemasFor, type Dialect, type EntityClass } from './columns';
export {
  createDataSource,
  dialectOf,
  IsDatabaseUrl,
  parseDatabaseUrl,
  type CreateDataSourceOptions,
  type DatabaseTarget,
  type EntityList,
} from './data-source';
export { applySchemaFile, latestVersion, schemaFilePath, type SchemaName } from './schema';
export { Database, type RoundTransaction, type Statement, type Transaction } from './database';
export { chunks, dateTimeMs, isDuplicateKey, placeholders, sqlDateTime } from './sql';
