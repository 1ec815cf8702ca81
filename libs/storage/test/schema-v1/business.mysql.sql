-- The business tables as sql/business.sql created them before apps (schema version 1), for the migration tests.

CREATE TABLE IF NOT EXISTS `user` (
  `id`           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'user id',
  `phone_number` VARCHAR(20)     NOT NULL COMMENT 'phone number the user signs in with',
  `nickname`     VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'display name',
  `sex`          TINYINT         NOT NULL DEFAULT 0 COMMENT 'sex: 0 unknown, 1 male, 2 female',
  `avatar_url`   VARCHAR(255)    NOT NULL DEFAULT '' COMMENT 'avatar image url',
  `extra`        VARCHAR(1024)   NOT NULL DEFAULT '' COMMENT 'free-form data of the integrating business',
  `created_at`   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at`   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_user_phone_number` (`phone_number`),
  KEY `idx_user_nickname` (`nickname`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `auth_token` (
  `device_id`  BIGINT UNSIGNED NOT NULL COMMENT 'device the token was issued to; one live token per device',
  `user_id`    BIGINT UNSIGNED NOT NULL COMMENT 'user the token signs in',
  `token_hash` BINARY(32)      NOT NULL COMMENT 'SHA-256 of the token; the token itself is never stored',
  `expires_at` DATETIME(3)     NOT NULL COMMENT 'expiry time (UTC)',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`device_id`),
  KEY `idx_auth_token_user_id` (`user_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
