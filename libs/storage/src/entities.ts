import { AppCredentialEntity } from './business/app-credential.entity';
import { AppKeyEntity } from './business/app-key.entity';
import { AppEntity } from './business/app.entity';
import { AuthTokenEntity } from './business/auth-token.entity';
import { FriendEntity, UserBlockEntity } from './business/friend.entity';
import { MomentCommentEntity, MomentEntity, MomentLikeEntity } from './business/moment.entity';
import { UserEntity } from './business/user.entity';
import type { EntityClass } from './columns';
import { SchemaVersionEntity } from './common/schema-version.entity';
import { FileEntity } from './file/file.entity';
import { DeviceAckEntity } from './logic/device-ack.entity';
import { DeviceEntity } from './logic/device.entity';
import { GroupEntity, GroupMemberEntity } from './logic/group.entity';
import { MessageEntity } from './logic/message.entity';
import { SendDedupEntity } from './logic/send-dedup.entity';
import { SeqEntity } from './logic/seq.entity';
import { UserMessageEntity } from './logic/user-message.entity';

/** Entities of the business service's database (sql/business.sql). */
export const BUSINESS_ENTITIES: readonly EntityClass[] = [
  AppEntity,
  AppCredentialEntity,
  AppKeyEntity,
  UserEntity,
  AuthTokenEntity,
  FriendEntity,
  UserBlockEntity,
  MomentEntity,
  MomentLikeEntity,
  MomentCommentEntity,
  SchemaVersionEntity,
];

/** Entities of the logic service's database (sql/logic.sql). */
export const LOGIC_ENTITIES: readonly EntityClass[] = [
  DeviceEntity,
  DeviceAckEntity,
  MessageEntity,
  UserMessageEntity,
  SeqEntity,
  SendDedupEntity,
  GroupEntity,
  GroupMemberEntity,
  SchemaVersionEntity,
];

/** Entities of the file service's database (sql/file.sql). */
export const FILE_ENTITIES: readonly EntityClass[] = [FileEntity, SchemaVersionEntity];
