-- The business tables as gim 0.1 created them on SQLite (before apps), for the migration tests.
CREATE TABLE "user" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "phone_number" varchar(20) NOT NULL, "nickname" varchar(64) NOT NULL DEFAULT (''), "sex" tinyint NOT NULL DEFAULT (0), "avatar_url" varchar(255) NOT NULL DEFAULT (''), "extra" varchar(1024) NOT NULL DEFAULT (''), "created_at" datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')), "updated_at" datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')));
CREATE UNIQUE INDEX "uk_user_phone_number" ON "user" ("phone_number") ;
CREATE INDEX "idx_user_nickname" ON "user" ("nickname") ;
CREATE TABLE "auth_token" ("device_id" bigint PRIMARY KEY NOT NULL, "user_id" bigint NOT NULL, "token_hash" blob NOT NULL, "expires_at" datetime NOT NULL, "created_at" datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')), "updated_at" datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')));
CREATE INDEX "idx_auth_token_user_id" ON "auth_token" ("user_id") ;
