-- SIP accounts. The password is kept as given: digest auth needs it, and the
-- database file is private to the user (mode 0600 in a 0700 directory).
CREATE TABLE accounts (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  username         TEXT NOT NULL,
  auth_username    TEXT,
  display_name     TEXT,
  domain           TEXT NOT NULL,
  password         TEXT,
  server           TEXT NOT NULL,
  host_map         TEXT NOT NULL DEFAULT '[]',
  tls_mode         TEXT NOT NULL DEFAULT 'verify'
                   CHECK (tls_mode IN ('verify', 'pin', 'insecure')),
  tls_ca_pem       TEXT,
  tls_pin_sha256   TEXT,
  register_expires INTEGER NOT NULL DEFAULT 600
                   CHECK (register_expires BETWEEN 60 AND 86400),
  enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
