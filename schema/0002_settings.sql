-- User settings: one row per known setting, the value as JSON text.
-- Names and defaults live in server/settings.c; absent rows mean "default".
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
