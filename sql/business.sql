-- Tables of the business service: apps, their users and the users' sign-in tokens.
-- Idempotent: creates what is missing. A database from an older gim also needs sql/migrations/business/
-- (the apps apply both at boot; see sql/README.md).

CREATE TABLE IF NOT EXISTS `schema_version` (
  `name`       VARCHAR(32) NOT NULL COMMENT 'schema: business or logic',
  `version`    INT         NOT NULL COMMENT 'number of the last migration applied',
  `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`name`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `app` (
  `id`         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'app id; 1 is the default app',
  `name`       VARCHAR(64)     NOT NULL COMMENT 'display name',
  `status`     TINYINT         NOT NULL DEFAULT 1 COMMENT '1 active, 2 disabled',
  `settings`   VARCHAR(4096)   NOT NULL DEFAULT '{}' COMMENT 'per-app settings as a JSON object',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`id`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `app_credential` (
  `app_id`          BIGINT UNSIGNED NOT NULL COMMENT 'app the credential acts for',
  `credential_hash` BINARY(32)      NOT NULL COMMENT 'SHA-256 of the credential; the credential itself is never stored',
  `created_at`      DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`app_id`, `credential_hash`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `app_key` (
  `app_id`     BIGINT UNSIGNED NOT NULL COMMENT 'app whose tokens the key verifies',
  `kid`        VARCHAR(64)     NOT NULL COMMENT 'key id, the kid header of the tokens it verifies',
  `alg`        VARCHAR(16)     NOT NULL COMMENT 'the one algorithm the key verifies: HS256, RS256, ES256 or EdDSA',
  `material`   VARCHAR(4096)   NOT NULL COMMENT 'HS256: the shared secret (base64url); others: the public key as SPKI PEM',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`app_id`, `kid`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `user` (
  `id`           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'user id inside gim',
  `app_id`       BIGINT UNSIGNED NOT NULL DEFAULT 1 COMMENT 'app the user belongs to',
  `app_user_id`  BIGINT UNSIGNED NULL COMMENT 'the user id its app gave it; NULL when gim chose the id (default app), which is then id',
  `tokens_not_before` BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'tokens its app signed before this time (Unix seconds) are refused',
  `phone_number` VARCHAR(20)     NULL COMMENT 'phone number the user signs in with (default app); NULL for none',
  `nickname`     VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'display name',
  `sex`          TINYINT         NOT NULL DEFAULT 0 COMMENT 'sex: 0 unknown, 1 male, 2 female',
  `avatar_url`   VARCHAR(255)    NOT NULL DEFAULT '' COMMENT 'avatar image url',
  `extra`        VARCHAR(1024)   NOT NULL DEFAULT '' COMMENT 'free-form data of the integrating business',
  `created_at`   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at`   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_user_phone_number` (`phone_number`),
  UNIQUE KEY `uk_user_app_user` (`app_id`, `app_user_id`),
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

-- Friends: a request is the asker's row (status 1); a friendship is a row per side (status 2).
CREATE TABLE IF NOT EXISTS `friend` (
  `user_id`     BIGINT UNSIGNED NOT NULL COMMENT 'the user whose side this is (user id inside gim)',
  `friend_id`   BIGINT UNSIGNED NOT NULL COMMENT 'the other user (user id inside gim)',
  `status`      TINYINT         NOT NULL COMMENT '1 user_id asked friend_id, 2 friends',
  `remarks`     VARCHAR(64)     NOT NULL DEFAULT '' COMMENT 'what user_id calls friend_id',
  `extra`       VARCHAR(1024)   NOT NULL DEFAULT '' COMMENT 'free-form data of the relation, set by user_id',
  `description` VARCHAR(255)    NOT NULL DEFAULT '' COMMENT 'the request''s note (status 1)',
  `created_at`  DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at`  DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`user_id`, `friend_id`),
  KEY `idx_friend_friend_id` (`friend_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Blocks: blocked_id's requests and messages to user_id are refused.
CREATE TABLE IF NOT EXISTS `user_block` (
  `user_id`    BIGINT UNSIGNED NOT NULL COMMENT 'the user who blocks (user id inside gim)',
  `blocked_id` BIGINT UNSIGNED NOT NULL COMMENT 'the user blocked (user id inside gim)',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`user_id`, `blocked_id`),
  KEY `idx_user_block_blocked_id` (`blocked_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Moments: short posts the author's friends see in their timeline, with likes and comments.
CREATE TABLE IF NOT EXISTS `moment` (
  `id`            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'moment id',
  `app_id`        BIGINT UNSIGNED NOT NULL COMMENT 'app of the author',
  `user_id`       BIGINT UNSIGNED NOT NULL COMMENT 'author (user id inside gim)',
  `text`          VARCHAR(2000)   NOT NULL DEFAULT '' COMMENT 'what the author wrote',
  `file_names`    VARCHAR(640)    NOT NULL DEFAULT '[]' COMMENT 'stored names of its files in the file service, a JSON array (9 names of 64 characters at most)',
  `like_count`    INT             NOT NULL DEFAULT 0 COMMENT 'likes',
  `comment_count` INT             NOT NULL DEFAULT 0 COMMENT 'comments',
  `created_at`    DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`id`),
  KEY `idx_moment_user_id` (`user_id`, `id`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `moment_like` (
  `moment_id`  BIGINT UNSIGNED NOT NULL COMMENT 'the moment',
  `user_id`    BIGINT UNSIGNED NOT NULL COMMENT 'who liked it (user id inside gim)',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`moment_id`, `user_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS `moment_comment` (
  `id`         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'comment id',
  `moment_id`  BIGINT UNSIGNED NOT NULL COMMENT 'the moment',
  `user_id`    BIGINT UNSIGNED NOT NULL COMMENT 'who wrote it (user id inside gim)',
  `text`       VARCHAR(500)    NOT NULL COMMENT 'what they wrote',
  `created_at` DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`id`),
  KEY `idx_moment_comment_moment_id` (`moment_id`, `id`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4;
