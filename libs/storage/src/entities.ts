import { AuthTokenEntity } from './business/auth-token.entity';
import { UserEntity } from './business/user.entity';
import type { EntityClass } from './columns';
import { DeviceAckEntity } from './logic/device-ack.entity';
import { DeviceEntity } from './logic/device.entity';
import { MessageEntity } from './logic/message.entity';
import { SendDedupEntity } from './logic/send-dedup.entity';
import { SeqEntity } from './logic/seq.entity';
import { UserMessageEntity } from './logic/user-message.entity';

/** Entities of the business service's database (sql/business.sql). */
export const BUSINESS_ENTITIES: readonly EntityClass[] = [UserEntity, AuthTokenEntity];

/** Entities of the logic service's database (sql/logic.sql). */
export const LOGIC_ENTITIES: readonly EntityClass[] = [
  DeviceEntity,
  DeviceAckEntity,
  MessageEntity,
  UserMessageEntity,
  SeqEntity,
  SendDedupEntity,
];
