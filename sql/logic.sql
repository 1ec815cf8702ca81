-- Tables of the logic service: devices, acknowledgements, messages, inboxes, sequences and send deduplication.
-- Idempotent: creates what is missing. A database from an older gim also needs sql/migrations/logic/
-- (the apps apply both at boot; see sql/README.md).

CREATE TABLE IF NOT EXISTS `schema_version` (
  `name`       VARCHAR(32) NOT NULL COMMENT 'schema: business or logic',
  `version`    INT         NOT NULL COMMENT 'number of the last migration applied',
  `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`name`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `device` (
  `id`             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'device id inside gim',
  `user_id`        BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'user signed in on the device; 0 = none yet',
  `app_device_id`  BIGINT UNSIGNED NULL COMMENT 'the device id in its user''s app (from the app''s token); NULL when gim chose the id, which is then id',
  `type`           TINYINT         NOT NULL DEFAULT 0 COMMENT 'device type: 0 default, 1 android, 2 ios, 3 windows, 4 macos, 5 web',
  `brand`          VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'manufacturer brand',
  `model`          VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'device model',
  `system_version` VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'operating system version',
  `sdk_version`    VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'client SDK version',
  `branch_push_id` VARCHAR(255)    NOT NULL DEFAULT '' COMMENT 'vendor push-notification token',
  `created_at`     DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at`     DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`id`),
  KEY `idx_device_user_id` (`user_id`),
  UNIQUE KEY `uk_device_user_app_device` (`user_id`, `app_device_id`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `device_ack` (
  `device_id`  BIGINT UNSIGNED NOT NULL COMMENT 'device id',
  `user_id`    BIGINT UNSIGNED NOT NULL COMMENT 'user signed in on the device',
  `ack`        BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'highest user seq the device holds',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`device_id`),
  KEY `idx_device_ack_user_id` (`user_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Messages are stored once and never updated, so there is no updated_at.
CREATE TABLE IF NOT EXISTS `message` (
  `id`         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'message id',
  `sender_id`  BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'sending user; 0 = the system or the integrating business',
  `command`    INT             NOT NULL COMMENT 'message command (connect.MessageCommand or a push body number)',
  `content`    MEDIUMBLOB      NOT NULL COMMENT 'message body, opaque bytes',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`id`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4
  PARTITION BY HASH (`id`) PARTITIONS 16;

-- One row per recipient's inbox entry (write diffusion).
CREATE TABLE IF NOT EXISTS `user_message` (
  `user_id`    BIGINT UNSIGNED NOT NULL COMMENT 'recipient user',
  `seq`        BIGINT UNSIGNED NOT NULL COMMENT 'position in the recipient sequence',
  `message_id` BIGINT UNSIGNED NOT NULL COMMENT 'message id',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`user_id`, `seq`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
  PARTITION BY HASH (`user_id`) PARTITIONS 16;

-- The durable per-object sequence counters; Redis may cache them but this row is the source of truth.
CREATE TABLE IF NOT EXISTS `seq` (
  `object_type` TINYINT UNSIGNED NOT NULL COMMENT 'kind of object: 0 = message id counter (object_id 0), 1 = user',
  `object_id`   BIGINT UNSIGNED  NOT NULL COMMENT 'id of the object',
  `seq`         BIGINT UNSIGNED  NOT NULL DEFAULT 0 COMMENT 'highest seq handed out',
  `created_at`  DATETIME(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at`  DATETIME(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`object_type`, `object_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Makes sends idempotent: a retried send with the same client id returns the stored result.
CREATE TABLE IF NOT EXISTS `send_dedup` (
  `sender_id`     BIGINT UNSIGNED NOT NULL COMMENT 'sending user',
  `client_msg_id` VARCHAR(64)     NOT NULL COMMENT 'id the client chose for the send',
  `message_id`    BIGINT UNSIGNED NOT NULL COMMENT 'message the send stored',
  `seq`           BIGINT UNSIGNED NOT NULL COMMENT 'seq the message got in the sender sequence',
  `created_at`    DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`sender_id`, `client_msg_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Groups (write diffusion: a group message gets an inbox row in every member's sequence).
CREATE TABLE IF NOT EXISTS `chat_group` (
  `id`           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'group id',
  `app_id`       BIGINT UNSIGNED NOT NULL COMMENT 'app the group belongs to; only its users may be members',
  `name`         VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'display name',
  `avatar_url`   VARCHAR(255)    NOT NULL DEFAULT '' COMMENT 'avatar image url',
  `introduction` VARCHAR(1024)   NOT NULL DEFAULT '' COMMENT 'description',
  `extra`        VARCHAR(1024)   NOT NULL DEFAULT '' COMMENT 'free-form data of the integrating business',
  `status`       TINYINT         NOT NULL DEFAULT 1 COMMENT '1 active, 2 dissolved (accepts nothing)',
  `member_count` INT             NOT NULL DEFAULT 0 COMMENT 'members now',
  `member_version` BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'raised by every membership change: a group message is stored only if it is unchanged since its members were read',
  `created_at`   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at`   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`id`),
  KEY `idx_chat_group_app_id` (`app_id`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `group_member` (
  `group_id`   BIGINT UNSIGNED NOT NULL COMMENT 'group',
  `user_id`    BIGINT UNSIGNED NOT NULL COMMENT 'member (user id inside gim)',
  `role`       TINYINT         NOT NULL DEFAULT 2 COMMENT '1 admin, 2 member, 3 owner',
  `status`     TINYINT         NOT NULL DEFAULT 1 COMMENT '1 normal, 2 muted (may not send)',
  `nickname`   VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'name shown in this group',
  `extra`      VARCHAR(1024)   NOT NULL DEFAULT '' COMMENT 'free-form data of the integrating business',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`group_id`, `user_id`),
  KEY `idx_group_member_user_id` (`user_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
