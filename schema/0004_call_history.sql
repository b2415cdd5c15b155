-- Ended calls: the call object of schema/api.md "Calls" (state is always
-- "ended"; end {code, reason, by} is spread over end_*). server/store_calls.c
-- keeps the newest 500 rows, trimming on every insert.
--
-- id is the call's API id, given by the daemon. AUTOINCREMENT keeps the
-- largest id ever stored (sqlite_sequence) even after the history is cleared,
-- so call ids are never handed out twice across restarts.
--
-- account_id becomes NULL when its account is deleted (trigger below): the
-- row stays, because the other party is still worth seeing and calling back,
-- and SQLite may give a new account the old id, which must not inherit it.
CREATE TABLE call_history (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id  INTEGER,
  direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  remote_uri  TEXT,
  remote_name TEXT,
  created_at  TEXT NOT NULL,
  answered_at TEXT,
  ended_at    TEXT,
  duration    INTEGER,
  end_code    INTEGER,
  end_reason  TEXT,
  end_by      TEXT CHECK (end_by IN ('local', 'remote')),
  codec       TEXT,
  missed      INTEGER NOT NULL DEFAULT 0 CHECK (missed IN (0, 1))
);

CREATE TRIGGER call_history_account_deleted AFTER DELETE ON accounts
BEGIN
  UPDATE call_history SET account_id = NULL WHERE account_id = OLD.id;
END;
