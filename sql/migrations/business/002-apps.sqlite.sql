-- Version 2: apps. Every existing user joins the default app (id 1) under the id gim gave it. SQLite cannot
-- change a column's nullability in place: after this, gim's schema sync rebuilds the table with
-- phone_number nullable and the new unique key, copying every row.
ALTER TABLE "user" ADD COLUMN "app_id" bigint NOT NULL DEFAULT (1);
ALTER TABLE "user" ADD COLUMN "app_user_id" bigint;
ALTER TABLE "user" ADD COLUMN "tokens_not_before" bigint NOT NULL DEFAULT (0);
