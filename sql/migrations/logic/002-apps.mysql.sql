-- Version 2: apps. Existing devices keep the ids gim gave them (app_device_id NULL).
ALTER TABLE `device`
  MODIFY `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'device id inside gim',
  ADD COLUMN `app_device_id` BIGINT UNSIGNED NULL COMMENT 'the device id in its user''s app (from the app''s token); NULL when gim chose the id, which is then id' AFTER `user_id`,
  ADD UNIQUE KEY `uk_device_user_app_device` (`user_id`, `app_device_id`);
