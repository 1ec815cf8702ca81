-- Version 2: apps. Every existing user joins the default app (id 1) under the id gim gave it; phone numbers
-- become optional because users of other apps sign in with their app's tokens.
ALTER TABLE `user`
  MODIFY `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'user id inside gim',
  ADD COLUMN `app_id` BIGINT UNSIGNED NOT NULL DEFAULT 1 COMMENT 'app the user belongs to' AFTER `id`,
  ADD COLUMN `app_user_id` BIGINT UNSIGNED NULL COMMENT 'the user id its app gave it; NULL when gim chose the id (default app), which is then id' AFTER `app_id`,
  ADD COLUMN `tokens_not_before` BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'tokens its app signed before this time (Unix seconds) are refused' AFTER `app_user_id`,
  MODIFY `phone_number` VARCHAR(20) NULL COMMENT 'phone number the user signs in with (default app); NULL for none',
  ADD UNIQUE KEY `uk_user_app_user` (`app_id`, `app_user_id`);
