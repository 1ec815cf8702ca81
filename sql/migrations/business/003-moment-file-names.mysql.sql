-- Version 3: a moment keeps the stored names of its files (`file_names`) instead of their URLs (`files`); URLs are
-- built when a moment is read. A URL's name is what follows its `/file/`; a database that had no moment yet got
-- the new column from business.sql just before, hence the check.
-- (SQLite files: 003-moment-file-names.sqlite.sql.)
SET @gim_moment_file_names = IF(
  (SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'moment' AND column_name = 'files') = 1,
  'ALTER TABLE `moment` ADD COLUMN `file_names` VARCHAR(640) NOT NULL DEFAULT ''[]'' COMMENT ''stored names of its files in the file service, a JSON array (9 names of 64 characters at most)'' AFTER `files`',
  'DO 0'
);
PREPARE gim_migration FROM @gim_moment_file_names;
EXECUTE gim_migration;
DEALLOCATE PREPARE gim_migration;
SET @gim_moment_copy_names = IF(
  (SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'moment' AND column_name = 'files') = 1,
  'UPDATE `moment` SET `file_names` = REGEXP_REPLACE(`files`, ''"[^"]*/file/'', ''"'')',
  'DO 0'
);
PREPARE gim_migration FROM @gim_moment_copy_names;
EXECUTE gim_migration;
DEALLOCATE PREPARE gim_migration;
SET @gim_moment_drop_urls = IF(
  (SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'moment' AND column_name = 'files') = 1,
  'ALTER TABLE `moment` DROP COLUMN `files`',
  'DO 0'
);
PREPARE gim_migration FROM @gim_moment_drop_urls;
EXECUTE gim_migration;
DEALLOCATE PREPARE gim_migration;
