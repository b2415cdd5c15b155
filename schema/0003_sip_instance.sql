-- RFC 5626 instance id of each account ("urn:uuid:..."), made on first
-- registration and kept, so the PBX recognises the same phone after restarts.
ALTER TABLE accounts ADD COLUMN sip_instance TEXT;
