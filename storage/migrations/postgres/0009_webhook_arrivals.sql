-- When a Xero webhook for the organisation last arrived (status shows it: Xero sends them for Contacts and
-- Invoices only, and the other entities are read by the hourly sync).
ALTER TABLE orgs ADD COLUMN last_webhook_at DOUBLE PRECISION;
