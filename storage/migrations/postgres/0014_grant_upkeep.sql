-- The daily upkeep of each grant (daemon/sync/upkeep.py): a keep-alive refresh when it is due, and a light check
-- of /connections. `upkeep_at`: when it is next due (NULL: a day after the grant was made); a process claims it by
-- moving it on with a conditional UPDATE, so several replicas do each grant's upkeep once.
-- `checked_at`: when /connections last answered for the grant.
ALTER TABLE grants ADD COLUMN upkeep_at DOUBLE PRECISION;
ALTER TABLE grants ADD COLUMN checked_at DOUBLE PRECISION;
