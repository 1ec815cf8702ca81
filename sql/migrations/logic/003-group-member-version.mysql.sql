-- Version 3: chat_group.member_version, raised by every membership change, checked by each group message's commit.
-- A database that had no chat_group yet got the column from logic.sql just before, hence the check.
-- (SQLite files get the column from the entity synchronisation that follows their migrations.)
SET @gim_add_member_version = IF(
  (SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'chat_group' AND column_name = 'member_version') = 0,
  'ALTER TABLE `chat_group` ADD COLUMN `member_version` BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT ''raised by every membership change: a group message is stored only if it is unchanged since its members were read'' AFTER `member_count`',
  'DO 0'
);
PREPARE gim_migration FROM @gim_add_member_version;
EXECUTE gim_migration;
DEALLOCATE PREPARE gim_migration;
