-- Version 2: apps. Existing devices keep the ids gim gave them (app_device_id NULL).
ALTER TABLE "device" ADD COLUMN "app_device_id" bigint;
CREATE UNIQUE INDEX "uk_device_user_app_device" ON "device" ("user_id", "app_device_id");
