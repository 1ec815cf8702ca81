-- Tables of the file service: what it knows of every uploaded chat file (the bytes live in its file store).
-- Idempotent: creates what is missing (the app applies it at boot; see sql/README.md).

CREATE TABLE IF NOT EXISTS `schema_version` (
  `name`       VARCHAR(32) NOT NULL COMMENT 'schema: business or logic',
  `version`    INT         NOT NULL COMMENT 'number of the last migration applied',
  `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last update time (UTC)',
  PRIMARY KEY (`name`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- A file is stored once and never changed (deleting removes the row), so there is no updated_at.
CREATE TABLE IF NOT EXISTS `file` (
  `id`           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'file id; orders a user''s uploads',
  `name`         VARCHAR(64)     NOT NULL COMMENT 'stored name: 32 random hex digits, a dot and the extension of the sniffed type; the URL carries it',
  `app_id`       BIGINT UNSIGNED NOT NULL COMMENT 'app of the uploader',
  `user_id`      BIGINT UNSIGNED NOT NULL COMMENT 'uploading user (user id inside gim)',
  `size`         BIGINT UNSIGNED NOT NULL COMMENT 'length in bytes',
  `content_type` VARCHAR(64)     NOT NULL COMMENT 'media type sniffed from the bytes',
  `sha256`       BINARY(32)      NOT NULL COMMENT 'SHA-256 of the bytes (the ETag)',
  `created_at`   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'creation time (UTC)',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_file_name` (`name`),
  KEY `idx_file_app_user` (`app_id`, `user_id`, `id`)
) ENGINE = InnoDB AUTO_INCREMENT = 10000 DEFAULT CHARSET = utf8mb4;
