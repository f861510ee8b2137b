-- Records keyed compactly: by their set (record_sets.id: one org's one entity) and their Xero id as a `uuid`
-- (16 bytes) when it is a UUID as Xero writes it (`uid`), as text otherwise (`tid`: entities keyed by a code). The
-- key index of a million-invoice org is a fraction of the three text columns' (bench/scaling.py). `records`
-- becomes a view with exactly its former columns, so every reader keeps reading it; the daemon writes
-- `record_rows` (storage/records.py).
INSERT INTO record_sets (tenant_id, entity, held)
    SELECT tenant_id, entity, COUNT(*) FROM records GROUP BY tenant_id, entity
    ON CONFLICT (tenant_id, entity) DO UPDATE SET held = excluded.held;
CREATE TABLE record_rows (
    set_id     BIGINT NOT NULL REFERENCES record_sets(id) ON DELETE CASCADE,
    uid        UUID,                          -- the Xero id, when it is a UUID
    tid        TEXT,                          -- the Xero id, when it is not
    status     TEXT,
    updated_ms BIGINT NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,    -- vanished from Xero (hard-deleted); kept, never dropped
    data       TEXT NOT NULL,
    synced_at  DOUBLE PRECISION NOT NULL,
    seq        BIGINT NOT NULL DEFAULT 0,     -- the record's place in its entity's change sequence (0018)
    CHECK ((uid IS NULL) <> (tid IS NULL))
);
INSERT INTO record_rows (set_id, uid, tid, status, updated_ms, deleted, data, synced_at, seq)
    SELECT s.id,
           CASE WHEN r.xero_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN r.xero_id::uuid END,
           CASE WHEN r.xero_id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN r.xero_id END,
           r.status, r.updated_ms, r.deleted, r.data, r.synced_at, r.seq
      FROM records r JOIN record_sets s ON s.tenant_id = r.tenant_id AND s.entity = r.entity
     ORDER BY s.id, r.seq;
-- The typed views (0016) read `records`: dropped here, and made again over the new view at the end.
DROP VIEW IF EXISTS users, contact_groups, repeating_invoice_line_items, repeating_invoices, quote_line_items, quotes, purchase_order_line_items, purchase_orders, tracking_options, tracking_categories, journal_lines, journals, manual_journal_lines, manual_journals, bank_transfers, bank_transaction_line_items, bank_transactions, currencies, tax_rates, accounts, items, prepayments, overpayments, payments, credit_note_line_items, credit_notes, invoice_line_items, invoices, contacts, organisations;
DROP TABLE records;
CREATE UNIQUE INDEX record_rows_by_uid ON record_rows (set_id, uid) WHERE uid IS NOT NULL;
CREATE UNIQUE INDEX record_rows_by_tid ON record_rows (set_id, tid) WHERE tid IS NOT NULL;
CREATE INDEX record_rows_by_seq ON record_rows (set_id, seq);
CREATE VIEW records AS
    SELECT s.tenant_id AS tenant_id, s.entity AS entity, COALESCE(r.uid::text, r.tid) AS xero_id,
           r.status AS status, r.updated_ms AS updated_ms, r.deleted AS deleted, r.data AS data,
           r.synced_at AS synced_at, r.seq AS seq
      FROM record_rows r JOIN record_sets s ON s.id = r.set_id;

-- The typed views again, as 0016 made them (`python -m storage.typed postgres` prints them).
CREATE VIEW organisations AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "organisation_id",
       xero_text(d.doc -> 'Name') AS "name",
       xero_text(d.doc -> 'LegalName') AS "legal_name",
       xero_text(d.doc -> 'ShortCode') AS "short_code",
       xero_text(d.doc -> 'BaseCurrency') AS "base_currency",
       xero_text(d.doc -> 'CountryCode') AS "country_code",
       xero_text(d.doc -> 'Version') AS "version",
       xero_text(d.doc -> 'OrganisationType') AS "organisation_type",
       xero_text(d.doc -> 'OrganisationEntityType') AS "organisation_entity_type",
       xero_text(d.doc -> 'Edition') AS "edition",
       xero_text(d.doc -> 'Class') AS "class",
       xero_text(d.doc -> 'Timezone') AS "timezone",
       xero_boolean(d.doc -> 'IsDemoCompany') AS "is_demo_company",
       xero_boolean(d.doc -> 'PaysTax') AS "pays_tax",
       xero_text(d.doc -> 'TaxNumber') AS "tax_number",
       xero_text(d.doc -> 'RegistrationNumber') AS "registration_number",
       xero_integer(d.doc -> 'FinancialYearEndDay') AS "financial_year_end_day",
       xero_integer(d.doc -> 'FinancialYearEndMonth') AS "financial_year_end_month",
       xero_text(d.doc -> 'SalesTaxBasis') AS "sales_tax_basis",
       xero_text(d.doc -> 'SalesTaxPeriod') AS "sales_tax_period",
       (xero_timestamp(d.doc -> 'CreatedDateUTC') AT TIME ZONE 'UTC') AS "created_date_utc",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       NULL::timestamptz AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Organisation';

CREATE VIEW contacts AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "contact_id",
       xero_text(d.doc -> 'ContactNumber') AS "contact_number",
       xero_text(d.doc -> 'AccountNumber') AS "account_number",
       xero_text(d.doc -> 'Name') AS "name",
       xero_text(d.doc -> 'FirstName') AS "first_name",
       xero_text(d.doc -> 'LastName') AS "last_name",
       xero_text(d.doc -> 'EmailAddress') AS "email_address",
       xero_text(d.doc -> 'CompanyNumber') AS "company_number",
       xero_text(d.doc -> 'TaxNumber') AS "tax_number",
       xero_boolean(d.doc -> 'IsSupplier') AS "is_supplier",
       xero_boolean(d.doc -> 'IsCustomer') AS "is_customer",
       xero_text(d.doc -> 'DefaultCurrency') AS "default_currency",
       xero_number(d.doc #> '{Balances,AccountsReceivable,Outstanding}') AS "receivable_outstanding",
       xero_number(d.doc #> '{Balances,AccountsReceivable,Overdue}') AS "receivable_overdue",
       xero_number(d.doc #> '{Balances,AccountsPayable,Outstanding}') AS "payable_outstanding",
       xero_number(d.doc #> '{Balances,AccountsPayable,Overdue}') AS "payable_overdue",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Contacts';

CREATE VIEW invoices AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "invoice_id",
       xero_text(d.doc -> 'Type') AS "type",
       xero_text(d.doc -> 'InvoiceNumber') AS "invoice_number",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_timestamp(d.doc -> 'DueDate') AS "due_date",
       xero_timestamp(d.doc -> 'ExpectedPaymentDate') AS "expected_payment_date",
       xero_timestamp(d.doc -> 'PlannedPaymentDate') AS "planned_payment_date",
       xero_timestamp(d.doc -> 'FullyPaidOnDate') AS "fully_paid_on_date",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_number(d.doc -> 'TotalDiscount') AS "total_discount",
       xero_number(d.doc -> 'AmountDue') AS "amount_due",
       xero_number(d.doc -> 'AmountPaid') AS "amount_paid",
       xero_number(d.doc -> 'AmountCredited') AS "amount_credited",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_text(d.doc -> 'BrandingThemeID') AS "branding_theme_id",
       xero_text(d.doc -> 'RepeatingInvoiceID') AS "repeating_invoice_id",
       xero_boolean(d.doc -> 'SentToContact') AS "sent_to_contact",
       xero_boolean(d.doc -> 'IsDiscounted') AS "is_discounted",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       xero_text(d.doc -> 'Url') AS "url",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Invoices';

CREATE VIEW invoice_line_items AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "invoice_id",
       li.n AS "line_number",
       xero_text(li.line -> 'LineItemID') AS "line_item_id",
       xero_text(li.line -> 'ItemCode') AS "item_code",
       xero_text(li.line -> 'Description') AS "description",
       xero_number(li.line -> 'Quantity') AS "quantity",
       xero_number(li.line -> 'UnitAmount') AS "unit_amount",
       xero_number(li.line -> 'DiscountRate') AS "discount_rate",
       xero_number(li.line -> 'DiscountAmount') AS "discount_amount",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_number(li.line -> 'LineAmount') AS "line_amount",
       xero_document(li.line -> 'Tracking') AS "tracking",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'LineItems')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'Invoices';

CREATE VIEW credit_notes AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "credit_note_id",
       xero_text(d.doc -> 'Type') AS "type",
       xero_text(d.doc -> 'CreditNoteNumber') AS "credit_note_number",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_timestamp(d.doc -> 'DueDate') AS "due_date",
       xero_timestamp(d.doc -> 'FullyPaidOnDate') AS "fully_paid_on_date",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_number(d.doc -> 'RemainingCredit') AS "remaining_credit",
       xero_number(d.doc -> 'AppliedAmount') AS "applied_amount",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_text(d.doc -> 'BrandingThemeID') AS "branding_theme_id",
       xero_boolean(d.doc -> 'SentToContact') AS "sent_to_contact",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'CreditNotes';

CREATE VIEW credit_note_line_items AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "credit_note_id",
       li.n AS "line_number",
       xero_text(li.line -> 'LineItemID') AS "line_item_id",
       xero_text(li.line -> 'ItemCode') AS "item_code",
       xero_text(li.line -> 'Description') AS "description",
       xero_number(li.line -> 'Quantity') AS "quantity",
       xero_number(li.line -> 'UnitAmount') AS "unit_amount",
       xero_number(li.line -> 'DiscountRate') AS "discount_rate",
       xero_number(li.line -> 'DiscountAmount') AS "discount_amount",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_number(li.line -> 'LineAmount') AS "line_amount",
       xero_document(li.line -> 'Tracking') AS "tracking",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'LineItems')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'CreditNotes';

CREATE VIEW payments AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "payment_id",
       xero_text(d.doc -> 'PaymentType') AS "payment_type",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_number(d.doc -> 'Amount') AS "amount",
       xero_number(d.doc -> 'BankAmount') AS "bank_amount",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       COALESCE(xero_text(d.doc #> '{Invoice,CurrencyCode}'), xero_text(d.doc #> '{CreditNote,CurrencyCode}'), xero_text(d.doc #> '{Prepayment,CurrencyCode}'), xero_text(d.doc #> '{Overpayment,CurrencyCode}')) AS "currency_code",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_boolean(d.doc -> 'IsReconciled') AS "is_reconciled",
       xero_text(d.doc #> '{Invoice,InvoiceID}') AS "invoice_id",
       xero_text(d.doc #> '{Invoice,InvoiceNumber}') AS "invoice_number",
       xero_text(d.doc #> '{CreditNote,CreditNoteID}') AS "credit_note_id",
       xero_text(d.doc #> '{CreditNote,CreditNoteNumber}') AS "credit_note_number",
       xero_text(d.doc #> '{Prepayment,PrepaymentID}') AS "prepayment_id",
       xero_text(d.doc #> '{Overpayment,OverpaymentID}') AS "overpayment_id",
       COALESCE(xero_text(d.doc #> '{Invoice,Contact,ContactID}'), xero_text(d.doc #> '{CreditNote,Contact,ContactID}'), xero_text(d.doc #> '{Prepayment,Contact,ContactID}'), xero_text(d.doc #> '{Overpayment,Contact,ContactID}')) AS "contact_id",
       COALESCE(xero_text(d.doc #> '{Invoice,Contact,Name}'), xero_text(d.doc #> '{CreditNote,Contact,Name}'), xero_text(d.doc #> '{Prepayment,Contact,Name}'), xero_text(d.doc #> '{Overpayment,Contact,Name}')) AS "contact_name",
       xero_text(d.doc #> '{Account,AccountID}') AS "account_id",
       xero_text(d.doc #> '{Account,Code}') AS "account_code",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Payments';

CREATE VIEW overpayments AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "overpayment_id",
       xero_text(d.doc -> 'Type') AS "type",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_number(d.doc -> 'RemainingCredit') AS "remaining_credit",
       xero_number(d.doc -> 'AppliedAmount') AS "applied_amount",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Overpayments';

CREATE VIEW prepayments AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "prepayment_id",
       xero_text(d.doc -> 'Type') AS "type",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_number(d.doc -> 'RemainingCredit') AS "remaining_credit",
       xero_number(d.doc -> 'AppliedAmount') AS "applied_amount",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Prepayments';

CREATE VIEW items AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "item_id",
       xero_text(d.doc -> 'Code') AS "code",
       xero_text(d.doc -> 'Name') AS "name",
       xero_text(d.doc -> 'Description') AS "description",
       xero_text(d.doc -> 'PurchaseDescription') AS "purchase_description",
       xero_boolean(d.doc -> 'IsSold') AS "is_sold",
       xero_boolean(d.doc -> 'IsPurchased') AS "is_purchased",
       xero_boolean(d.doc -> 'IsTrackedAsInventory') AS "is_tracked_as_inventory",
       xero_number(d.doc #> '{SalesDetails,UnitPrice}') AS "sales_unit_price",
       xero_text(d.doc #> '{SalesDetails,AccountCode}') AS "sales_account_code",
       xero_text(d.doc #> '{SalesDetails,TaxType}') AS "sales_tax_type",
       xero_number(d.doc #> '{PurchaseDetails,UnitPrice}') AS "purchase_unit_price",
       xero_text(d.doc #> '{PurchaseDetails,AccountCode}') AS "purchase_account_code",
       xero_text(d.doc #> '{PurchaseDetails,TaxType}') AS "purchase_tax_type",
       xero_text(d.doc -> 'InventoryAssetAccountCode') AS "inventory_asset_account_code",
       xero_number(d.doc -> 'TotalCostPool') AS "total_cost_pool",
       xero_number(d.doc -> 'QuantityOnHand') AS "quantity_on_hand",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Items';

CREATE VIEW accounts AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "account_id",
       xero_text(d.doc -> 'Code') AS "code",
       xero_text(d.doc -> 'Name') AS "name",
       xero_text(d.doc -> 'Type') AS "type",
       xero_text(d.doc -> 'Class') AS "class",
       xero_text(d.doc -> 'TaxType') AS "tax_type",
       xero_text(d.doc -> 'Description') AS "description",
       xero_text(d.doc -> 'BankAccountNumber') AS "bank_account_number",
       xero_text(d.doc -> 'BankAccountType') AS "bank_account_type",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_text(d.doc -> 'ReportingCode') AS "reporting_code",
       xero_text(d.doc -> 'ReportingCodeName') AS "reporting_code_name",
       xero_text(d.doc -> 'SystemAccount') AS "system_account",
       xero_boolean(d.doc -> 'EnablePaymentsToAccount') AS "enable_payments_to_account",
       xero_boolean(d.doc -> 'ShowInExpenseClaims') AS "show_in_expense_claims",
       xero_boolean(d.doc -> 'AddToWatchlist') AS "add_to_watchlist",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Accounts';

CREATE VIEW tax_rates AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "tax_type",
       xero_text(d.doc -> 'Name') AS "name",
       xero_text(d.doc -> 'ReportTaxType') AS "report_tax_type",
       xero_number(d.doc -> 'DisplayTaxRate') AS "display_tax_rate",
       xero_number(d.doc -> 'EffectiveRate') AS "effective_rate",
       xero_boolean(d.doc -> 'CanApplyToAssets') AS "can_apply_to_assets",
       xero_boolean(d.doc -> 'CanApplyToEquity') AS "can_apply_to_equity",
       xero_boolean(d.doc -> 'CanApplyToExpenses') AS "can_apply_to_expenses",
       xero_boolean(d.doc -> 'CanApplyToLiabilities') AS "can_apply_to_liabilities",
       xero_boolean(d.doc -> 'CanApplyToRevenue') AS "can_apply_to_revenue",
       xero_document(d.doc -> 'TaxComponents') AS "tax_components",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       NULL::timestamptz AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'TaxRates';

CREATE VIEW currencies AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "code",
       xero_text(d.doc -> 'Description') AS "description",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       NULL::timestamptz AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Currencies';

CREATE VIEW bank_transactions AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "bank_transaction_id",
       xero_text(d.doc -> 'Type') AS "type",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_text(d.doc #> '{BankAccount,AccountID}') AS "bank_account_id",
       xero_text(d.doc #> '{BankAccount,Code}') AS "bank_account_code",
       xero_text(d.doc #> '{BankAccount,Name}') AS "bank_account_name",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_boolean(d.doc -> 'IsReconciled') AS "is_reconciled",
       xero_text(d.doc -> 'PrepaymentID') AS "prepayment_id",
       xero_text(d.doc -> 'OverpaymentID') AS "overpayment_id",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       xero_text(d.doc -> 'Url') AS "url",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'BankTransactions';

CREATE VIEW bank_transaction_line_items AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "bank_transaction_id",
       li.n AS "line_number",
       xero_text(li.line -> 'LineItemID') AS "line_item_id",
       xero_text(li.line -> 'ItemCode') AS "item_code",
       xero_text(li.line -> 'Description') AS "description",
       xero_number(li.line -> 'Quantity') AS "quantity",
       xero_number(li.line -> 'UnitAmount') AS "unit_amount",
       xero_number(li.line -> 'DiscountRate') AS "discount_rate",
       xero_number(li.line -> 'DiscountAmount') AS "discount_amount",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_number(li.line -> 'LineAmount') AS "line_amount",
       xero_document(li.line -> 'Tracking') AS "tracking",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'LineItems')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'BankTransactions';

CREATE VIEW bank_transfers AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "bank_transfer_id",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_number(d.doc -> 'Amount') AS "amount",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{FromBankAccount,AccountID}') AS "from_bank_account_id",
       xero_text(d.doc #> '{FromBankAccount,Code}') AS "from_bank_account_code",
       xero_text(d.doc #> '{FromBankAccount,Name}') AS "from_bank_account_name",
       xero_text(d.doc #> '{ToBankAccount,AccountID}') AS "to_bank_account_id",
       xero_text(d.doc #> '{ToBankAccount,Code}') AS "to_bank_account_code",
       xero_text(d.doc #> '{ToBankAccount,Name}') AS "to_bank_account_name",
       xero_text(d.doc -> 'FromBankTransactionID') AS "from_bank_transaction_id",
       xero_text(d.doc -> 'ToBankTransactionID') AS "to_bank_transaction_id",
       xero_boolean(d.doc -> 'FromIsReconciled') AS "from_is_reconciled",
       xero_boolean(d.doc -> 'ToIsReconciled') AS "to_is_reconciled",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       (xero_timestamp(d.doc -> 'CreatedDateUTC') AT TIME ZONE 'UTC') AS "created_date_utc",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'CreatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'BankTransfers';

CREATE VIEW manual_journals AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "manual_journal_id",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_text(d.doc -> 'Narration') AS "narration",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_boolean(d.doc -> 'ShowOnCashBasisReports') AS "show_on_cash_basis_reports",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       xero_text(d.doc -> 'Url') AS "url",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'ManualJournals';

CREATE VIEW manual_journal_lines AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "manual_journal_id",
       li.n AS "line_number",
       xero_text(li.line -> 'Description') AS "description",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_number(li.line -> 'LineAmount') AS "line_amount",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_boolean(li.line -> 'IsBlank') AS "is_blank",
       xero_document(li.line -> 'Tracking') AS "tracking",
       xero_timestamp(d.doc -> 'Date') AS "date",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'JournalLines')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'ManualJournals';

CREATE VIEW journals AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "journal_id",
       xero_integer(d.doc -> 'JournalNumber') AS "journal_number",
       xero_timestamp(d.doc -> 'JournalDate') AS "journal_date",
       (xero_timestamp(d.doc -> 'CreatedDateUTC') AT TIME ZONE 'UTC') AS "created_date_utc",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc -> 'SourceID') AS "source_id",
       xero_text(d.doc -> 'SourceType') AS "source_type",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'CreatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Journals';

CREATE VIEW journal_lines AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "journal_id",
       li.n AS "line_number",
       xero_text(li.line -> 'JournalLineID') AS "journal_line_id",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountType') AS "account_type",
       xero_text(li.line -> 'AccountName') AS "account_name",
       xero_text(li.line -> 'Description') AS "description",
       xero_number(li.line -> 'NetAmount') AS "net_amount",
       xero_number(li.line -> 'GrossAmount') AS "gross_amount",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_text(li.line -> 'TaxName') AS "tax_name",
       xero_document(li.line -> 'TrackingCategories') AS "tracking_categories",
       xero_integer(d.doc -> 'JournalNumber') AS "journal_number",
       xero_timestamp(d.doc -> 'JournalDate') AS "journal_date",
       xero_text(d.doc -> 'SourceType') AS "source_type",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'JournalLines')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'Journals';

CREATE VIEW tracking_categories AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "tracking_category_id",
       xero_text(d.doc -> 'Name') AS "name",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       NULL::timestamptz AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'TrackingCategories';

CREATE VIEW tracking_options AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "tracking_category_id",
       li.n AS "line_number",
       xero_text(li.line -> 'TrackingOptionID') AS "tracking_option_id",
       xero_text(li.line -> 'Name') AS "name",
       xero_text(li.line -> 'Status') AS "option_status",
       xero_text(d.doc -> 'Name') AS "category_name",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'Options')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'TrackingCategories';

CREATE VIEW purchase_orders AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "purchase_order_id",
       xero_text(d.doc -> 'PurchaseOrderNumber') AS "purchase_order_number",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_timestamp(d.doc -> 'DeliveryDate') AS "delivery_date",
       xero_timestamp(d.doc -> 'ExpectedArrivalDate') AS "expected_arrival_date",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_number(d.doc -> 'TotalDiscount') AS "total_discount",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_text(d.doc -> 'DeliveryAddress') AS "delivery_address",
       xero_text(d.doc -> 'AttentionTo') AS "attention_to",
       xero_text(d.doc -> 'Telephone') AS "telephone",
       xero_text(d.doc -> 'DeliveryInstructions') AS "delivery_instructions",
       xero_text(d.doc -> 'BrandingThemeID') AS "branding_theme_id",
       xero_boolean(d.doc -> 'SentToContact') AS "sent_to_contact",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'PurchaseOrders';

CREATE VIEW purchase_order_line_items AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "purchase_order_id",
       li.n AS "line_number",
       xero_text(li.line -> 'LineItemID') AS "line_item_id",
       xero_text(li.line -> 'ItemCode') AS "item_code",
       xero_text(li.line -> 'Description') AS "description",
       xero_number(li.line -> 'Quantity') AS "quantity",
       xero_number(li.line -> 'UnitAmount') AS "unit_amount",
       xero_number(li.line -> 'DiscountRate') AS "discount_rate",
       xero_number(li.line -> 'DiscountAmount') AS "discount_amount",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_number(li.line -> 'LineAmount') AS "line_amount",
       xero_document(li.line -> 'Tracking') AS "tracking",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'LineItems')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'PurchaseOrders';

CREATE VIEW quotes AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "quote_id",
       xero_text(d.doc -> 'QuoteNumber') AS "quote_number",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc -> 'Title') AS "title",
       xero_text(d.doc -> 'Summary') AS "summary",
       xero_text(d.doc -> 'Terms') AS "terms",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_timestamp(d.doc -> 'Date') AS "date",
       xero_timestamp(d.doc -> 'ExpiryDate') AS "expiry_date",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_number(d.doc -> 'TotalDiscount') AS "total_discount",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_text(d.doc -> 'BrandingThemeID') AS "branding_theme_id",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Quotes';

CREATE VIEW quote_line_items AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "quote_id",
       li.n AS "line_number",
       xero_text(li.line -> 'LineItemID') AS "line_item_id",
       xero_text(li.line -> 'ItemCode') AS "item_code",
       xero_text(li.line -> 'Description') AS "description",
       xero_number(li.line -> 'Quantity') AS "quantity",
       xero_number(li.line -> 'UnitAmount') AS "unit_amount",
       xero_number(li.line -> 'DiscountRate') AS "discount_rate",
       xero_number(li.line -> 'DiscountAmount') AS "discount_amount",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_number(li.line -> 'LineAmount') AS "line_amount",
       xero_document(li.line -> 'Tracking') AS "tracking",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'LineItems')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'Quotes';

CREATE VIEW repeating_invoices AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "repeating_invoice_id",
       xero_text(d.doc -> 'Type') AS "type",
       xero_text(d.doc -> 'Reference') AS "reference",
       xero_text(d.doc #> '{Contact,ContactID}') AS "contact_id",
       xero_text(d.doc #> '{Contact,Name}') AS "contact_name",
       xero_text(d.doc -> 'LineAmountTypes') AS "line_amount_types",
       xero_number(d.doc -> 'SubTotal') AS "sub_total",
       xero_number(d.doc -> 'TotalTax') AS "total_tax",
       xero_number(d.doc -> 'Total') AS "total",
       xero_text(d.doc -> 'CurrencyCode') AS "currency_code",
       xero_number(d.doc -> 'CurrencyRate') AS "currency_rate",
       xero_integer(d.doc #> '{Schedule,Period}') AS "schedule_period",
       xero_text(d.doc #> '{Schedule,Unit}') AS "schedule_unit",
       xero_integer(d.doc #> '{Schedule,DueDate}') AS "schedule_due_date",
       xero_text(d.doc #> '{Schedule,DueDateType}') AS "schedule_due_date_type",
       xero_timestamp(d.doc #> '{Schedule,StartDate}') AS "schedule_start_date",
       xero_timestamp(d.doc #> '{Schedule,NextScheduledDate}') AS "schedule_next_scheduled_date",
       xero_timestamp(d.doc #> '{Schedule,EndDate}') AS "schedule_end_date",
       xero_text(d.doc -> 'BrandingThemeID') AS "branding_theme_id",
       xero_boolean(d.doc -> 'ApprovedForSending') AS "approved_for_sending",
       xero_boolean(d.doc -> 'HasAttachments') AS "has_attachments",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       NULL::timestamptz AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'RepeatingInvoices';

CREATE VIEW repeating_invoice_line_items AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "repeating_invoice_id",
       li.n AS "line_number",
       xero_text(li.line -> 'LineItemID') AS "line_item_id",
       xero_text(li.line -> 'ItemCode') AS "item_code",
       xero_text(li.line -> 'Description') AS "description",
       xero_number(li.line -> 'Quantity') AS "quantity",
       xero_number(li.line -> 'UnitAmount') AS "unit_amount",
       xero_number(li.line -> 'DiscountRate') AS "discount_rate",
       xero_number(li.line -> 'DiscountAmount') AS "discount_amount",
       xero_text(li.line -> 'AccountCode') AS "account_code",
       xero_text(li.line -> 'AccountID') AS "account_id",
       xero_text(li.line -> 'TaxType') AS "tax_type",
       xero_number(li.line -> 'TaxAmount') AS "tax_amount",
       xero_number(li.line -> 'LineAmount') AS "line_amount",
       xero_document(li.line -> 'Tracking') AS "tracking",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
     CROSS JOIN LATERAL jsonb_array_elements(xero_list(d.doc -> 'LineItems')) WITH ORDINALITY AS li(line, n)
WHERE r.entity = 'RepeatingInvoices';

CREATE VIEW contact_groups AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "contact_group_id",
       xero_text(d.doc -> 'Name') AS "name",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       NULL::timestamptz AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'ContactGroups';

CREATE VIEW users AS
SELECT r.tenant_id AS "tenant_id",
       r.xero_id AS "user_id",
       xero_text(d.doc -> 'EmailAddress') AS "email_address",
       xero_text(d.doc -> 'FirstName') AS "first_name",
       xero_text(d.doc -> 'LastName') AS "last_name",
       xero_text(d.doc -> 'OrganisationRole') AS "organisation_role",
       xero_boolean(d.doc -> 'IsSubscriber') AS "is_subscriber",
       r.status AS "status",
       (r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false)) AS "deleted",
       (xero_timestamp(d.doc -> 'UpdatedDateUTC') AT TIME ZONE 'UTC') AS "updated_utc",
       to_timestamp(r.synced_at) AS "synced_at"
FROM records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)
WHERE r.entity = 'Users';
