-- Version 3: a moment keeps the stored names of its files (`file_names`) instead of their URLs (`files`). A URL's
-- name is what follows its `/file/`. A database from before moments gets an empty stand-in for the old table, so
-- that one script serves both; gim's schema sync then rebuilds the table as the entity says, keeping its rows and
-- dropping `files`.
CREATE TABLE IF NOT EXISTS "moment" ("id" integer PRIMARY KEY, "files" varchar NOT NULL DEFAULT ('[]'));
ALTER TABLE "moment" ADD COLUMN "file_names" varchar(640) NOT NULL DEFAULT ('[]');
UPDATE "moment" SET "file_names" = (
  SELECT json_group_array(CASE WHEN instr(value, '/file/') > 0 THEN substr(value, instr(value, '/file/') + 6) ELSE value END)
  FROM json_each("moment"."files")
);
