"""What each typed view holds: its columns, their kind and where in Xero's record each is read.

A column's kind decides its type: `text`, `number` (an exact decimal on PostgreSQL), `integer`, `boolean`, `date`
(a document's date: PostgreSQL `timestamp`, SQLite ISO-8601 text), `instant` (a moment in UTC: `timestamptz`,
ISO-8601 text ending in Z) or `json` (an object or list kept as JSON). A field that is absent, or holds a value of
another kind, reads NULL. Paths are dotted from the record (or, in a line view, from the line); with several, the
first present wins.

Every record view also has `tenant_id`, its id (the stored record's id), `status`, `deleted`, `updated_utc` and
`synced_at` (from the `records` relation); a line view has `tenant_id`, its parent's id, `line_number`, and its parent's `status` and `deleted`.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("text", "number", "integer", "boolean", "date", "instant", "json")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class View:
    name: str
    entity: str               # the `records.entity` it reads
    id_column: str            # the stored record's id (`records.xero_id`), under this name
    columns: tuple[Column, ...]
    lines: str | None = None  # a line view: the path of the list inside the record, one row per element
    parent: tuple[Column, ...] = ()  # a line view: columns of the record carried on each line
    stamp: str | None = "UpdatedDateUTC"  # where `updated_utc` is read (None: Xero shows no change date)


def _c(kind: str):
    def make(name: str, *paths: str) -> Column:
        return Column(name, kind, paths or (name,))
    return make


text, number, integer, boolean, date, instant, json = (_c(k) for k in KINDS)

CONTACT = (text("contact_id", "Contact.ContactID"), text("contact_name", "Contact.Name"))
MONEY = (text("line_amount_types", "LineAmountTypes"), number("sub_total", "SubTotal"),
         number("total_tax", "TotalTax"), number("total", "Total"))
CURRENCY = (text("currency_code", "CurrencyCode"), number("currency_rate", "CurrencyRate"))
LINE = (
    text("line_item_id", "LineItemID"), text("item_code", "ItemCode"), text("description", "Description"),
    number("quantity", "Quantity"), number("unit_amount", "UnitAmount"), number("discount_rate", "DiscountRate"),
    number("discount_amount", "DiscountAmount"), text("account_code", "AccountCode"), text("account_id", "AccountID"),
    text("tax_type", "TaxType"), number("tax_amount", "TaxAmount"), number("line_amount", "LineAmount"),
    json("tracking", "Tracking"),
)


def _lines(name: str, entity: str, parent_id: str, path: str = "LineItems", columns=LINE, parent=()) -> View:
    return View(name, entity, parent_id, columns, lines=path, parent=parent)


VIEWS: tuple[View, ...] = (
    View("organisations", "Organisation", "organisation_id", (
        text("name", "Name"), text("legal_name", "LegalName"), text("short_code", "ShortCode"),
        text("base_currency", "BaseCurrency"), text("country_code", "CountryCode"), text("version", "Version"),
        text("organisation_type", "OrganisationType"), text("organisation_entity_type", "OrganisationEntityType"),
        text("edition", "Edition"), text("class", "Class"), text("timezone", "Timezone"),
        boolean("is_demo_company", "IsDemoCompany"), boolean("pays_tax", "PaysTax"),
        text("tax_number", "TaxNumber"), text("registration_number", "RegistrationNumber"),
        integer("financial_year_end_day", "FinancialYearEndDay"),
        integer("financial_year_end_month", "FinancialYearEndMonth"),
        text("sales_tax_basis", "SalesTaxBasis"), text("sales_tax_period", "SalesTaxPeriod"),
        instant("created_date_utc", "CreatedDateUTC"),
    ), stamp=None),
    View("contacts", "Contacts", "contact_id", (
        text("contact_number", "ContactNumber"), text("account_number", "AccountNumber"), text("name", "Name"),
        text("first_name", "FirstName"), text("last_name", "LastName"), text("email_address", "EmailAddress"),
        text("company_number", "CompanyNumber"), text("tax_number", "TaxNumber"),
        boolean("is_supplier", "IsSupplier"), boolean("is_customer", "IsCustomer"),
        text("default_currency", "DefaultCurrency"),
        number("receivable_outstanding", "Balances.AccountsReceivable.Outstanding"),
        number("receivable_overdue", "Balances.AccountsReceivable.Overdue"),
        number("payable_outstanding", "Balances.AccountsPayable.Outstanding"),
        number("payable_overdue", "Balances.AccountsPayable.Overdue"),
        boolean("has_attachments", "HasAttachments"),
    )),
    View("invoices", "Invoices", "invoice_id", (
        text("type", "Type"), text("invoice_number", "InvoiceNumber"), text("reference", "Reference"), *CONTACT,
        date("date", "Date"), date("due_date", "DueDate"), date("expected_payment_date", "ExpectedPaymentDate"),
        date("planned_payment_date", "PlannedPaymentDate"), date("fully_paid_on_date", "FullyPaidOnDate"), *MONEY,
        number("total_discount", "TotalDiscount"), number("amount_due", "AmountDue"),
        number("amount_paid", "AmountPaid"), number("amount_credited", "AmountCredited"), *CURRENCY,
        text("branding_theme_id", "BrandingThemeID"), text("repeating_invoice_id", "RepeatingInvoiceID"),
        boolean("sent_to_contact", "SentToContact"), boolean("is_discounted", "IsDiscounted"),
        boolean("has_attachments", "HasAttachments"), text("url", "Url"),
    )),
    _lines("invoice_line_items", "Invoices", "invoice_id"),
    View("credit_notes", "CreditNotes", "credit_note_id", (
        text("type", "Type"), text("credit_note_number", "CreditNoteNumber"), text("reference", "Reference"),
        *CONTACT, date("date", "Date"), date("due_date", "DueDate"), date("fully_paid_on_date", "FullyPaidOnDate"),
        *MONEY, number("remaining_credit", "RemainingCredit"), number("applied_amount", "AppliedAmount"),
        *CURRENCY, text("branding_theme_id", "BrandingThemeID"), boolean("sent_to_contact", "SentToContact"),
        boolean("has_attachments", "HasAttachments"),
    )),
    _lines("credit_note_line_items", "CreditNotes", "credit_note_id"),
    View("payments", "Payments", "payment_id", (
        text("payment_type", "PaymentType"), date("date", "Date"), number("amount", "Amount"),
        number("bank_amount", "BankAmount"), number("currency_rate", "CurrencyRate"),
        text("currency_code", "Invoice.CurrencyCode", "CreditNote.CurrencyCode", "Prepayment.CurrencyCode",
             "Overpayment.CurrencyCode"),
        text("reference", "Reference"), boolean("is_reconciled", "IsReconciled"),
        text("invoice_id", "Invoice.InvoiceID"), text("invoice_number", "Invoice.InvoiceNumber"),
        text("credit_note_id", "CreditNote.CreditNoteID"), text("credit_note_number", "CreditNote.CreditNoteNumber"),
        text("prepayment_id", "Prepayment.PrepaymentID"), text("overpayment_id", "Overpayment.OverpaymentID"),
        text("contact_id", "Invoice.Contact.ContactID", "CreditNote.Contact.ContactID",
             "Prepayment.Contact.ContactID", "Overpayment.Contact.ContactID"),
        text("contact_name", "Invoice.Contact.Name", "CreditNote.Contact.Name", "Prepayment.Contact.Name",
             "Overpayment.Contact.Name"),
        text("account_id", "Account.AccountID"), text("account_code", "Account.Code"),
    )),
    View("overpayments", "Overpayments", "overpayment_id", (
        text("type", "Type"), text("reference", "Reference"), *CONTACT, date("date", "Date"), *MONEY,
        number("remaining_credit", "RemainingCredit"), number("applied_amount", "AppliedAmount"), *CURRENCY,
        boolean("has_attachments", "HasAttachments"),
    )),
    View("prepayments", "Prepayments", "prepayment_id", (
        text("type", "Type"), text("reference", "Reference"), *CONTACT, date("date", "Date"), *MONEY,
        number("remaining_credit", "RemainingCredit"), number("applied_amount", "AppliedAmount"), *CURRENCY,
        boolean("has_attachments", "HasAttachments"),
    )),
    View("items", "Items", "item_id", (
        text("code", "Code"), text("name", "Name"), text("description", "Description"),
        text("purchase_description", "PurchaseDescription"), boolean("is_sold", "IsSold"),
        boolean("is_purchased", "IsPurchased"), boolean("is_tracked_as_inventory", "IsTrackedAsInventory"),
        number("sales_unit_price", "SalesDetails.UnitPrice"), text("sales_account_code", "SalesDetails.AccountCode"),
        text("sales_tax_type", "SalesDetails.TaxType"), number("purchase_unit_price", "PurchaseDetails.UnitPrice"),
        text("purchase_account_code", "PurchaseDetails.AccountCode"),
        text("purchase_tax_type", "PurchaseDetails.TaxType"),
        text("inventory_asset_account_code", "InventoryAssetAccountCode"),
        number("total_cost_pool", "TotalCostPool"), number("quantity_on_hand", "QuantityOnHand"),
    )),
    View("accounts", "Accounts", "account_id", (
        text("code", "Code"), text("name", "Name"), text("type", "Type"), text("class", "Class"),
        text("tax_type", "TaxType"), text("description", "Description"),
        text("bank_account_number", "BankAccountNumber"), text("bank_account_type", "BankAccountType"),
        text("currency_code", "CurrencyCode"), text("reporting_code", "ReportingCode"),
        text("reporting_code_name", "ReportingCodeName"), text("system_account", "SystemAccount"),
        boolean("enable_payments_to_account", "EnablePaymentsToAccount"),
        boolean("show_in_expense_claims", "ShowInExpenseClaims"), boolean("add_to_watchlist", "AddToWatchlist"),
        boolean("has_attachments", "HasAttachments"),
    )),
    View("tax_rates", "TaxRates", "tax_type", (
        text("name", "Name"), text("report_tax_type", "ReportTaxType"),
        number("display_tax_rate", "DisplayTaxRate"), number("effective_rate", "EffectiveRate"),
        boolean("can_apply_to_assets", "CanApplyToAssets"), boolean("can_apply_to_equity", "CanApplyToEquity"),
        boolean("can_apply_to_expenses", "CanApplyToExpenses"),
        boolean("can_apply_to_liabilities", "CanApplyToLiabilities"),
        boolean("can_apply_to_revenue", "CanApplyToRevenue"), json("tax_components", "TaxComponents"),
    ), stamp=None),
    View("currencies", "Currencies", "code", (text("description", "Description"),), stamp=None),
    View("bank_transactions", "BankTransactions", "bank_transaction_id", (
        text("type", "Type"), text("reference", "Reference"), *CONTACT,
        text("bank_account_id", "BankAccount.AccountID"), text("bank_account_code", "BankAccount.Code"),
        text("bank_account_name", "BankAccount.Name"), date("date", "Date"), *MONEY, *CURRENCY,
        boolean("is_reconciled", "IsReconciled"), text("prepayment_id", "PrepaymentID"),
        text("overpayment_id", "OverpaymentID"), boolean("has_attachments", "HasAttachments"), text("url", "Url"),
    )),
    _lines("bank_transaction_line_items", "BankTransactions", "bank_transaction_id"),
    View("bank_transfers", "BankTransfers", "bank_transfer_id", (
        date("date", "Date"), number("amount", "Amount"), number("currency_rate", "CurrencyRate"),
        text("reference", "Reference"),
        text("from_bank_account_id", "FromBankAccount.AccountID"),
        text("from_bank_account_code", "FromBankAccount.Code"),
        text("from_bank_account_name", "FromBankAccount.Name"),
        text("to_bank_account_id", "ToBankAccount.AccountID"), text("to_bank_account_code", "ToBankAccount.Code"),
        text("to_bank_account_name", "ToBankAccount.Name"),
        text("from_bank_transaction_id", "FromBankTransactionID"),
        text("to_bank_transaction_id", "ToBankTransactionID"),
        boolean("from_is_reconciled", "FromIsReconciled"), boolean("to_is_reconciled", "ToIsReconciled"),
        boolean("has_attachments", "HasAttachments"), instant("created_date_utc", "CreatedDateUTC"),
    ), stamp="CreatedDateUTC"),
    View("manual_journals", "ManualJournals", "manual_journal_id", (
        date("date", "Date"), text("narration", "Narration"), text("line_amount_types", "LineAmountTypes"),
        boolean("show_on_cash_basis_reports", "ShowOnCashBasisReports"),
        boolean("has_attachments", "HasAttachments"), text("url", "Url"),
    )),
    _lines("manual_journal_lines", "ManualJournals", "manual_journal_id", "JournalLines", (
        text("description", "Description"), text("account_code", "AccountCode"), text("account_id", "AccountID"),
        number("line_amount", "LineAmount"), text("tax_type", "TaxType"), number("tax_amount", "TaxAmount"),
        boolean("is_blank", "IsBlank"), json("tracking", "Tracking"),
    ), parent=(date("date", "Date"),)),
    View("journals", "Journals", "journal_id", (
        integer("journal_number", "JournalNumber"), date("journal_date", "JournalDate"),
        instant("created_date_utc", "CreatedDateUTC"), text("reference", "Reference"),
        text("source_id", "SourceID"), text("source_type", "SourceType"),
    ), stamp="CreatedDateUTC"),
    _lines("journal_lines", "Journals", "journal_id", "JournalLines", (
        text("journal_line_id", "JournalLineID"), text("account_id", "AccountID"),
        text("account_code", "AccountCode"), text("account_type", "AccountType"),
        text("account_name", "AccountName"), text("description", "Description"),
        number("net_amount", "NetAmount"), number("gross_amount", "GrossAmount"), number("tax_amount", "TaxAmount"),
        text("tax_type", "TaxType"), text("tax_name", "TaxName"), json("tracking_categories", "TrackingCategories"),
    ), parent=(integer("journal_number", "JournalNumber"), date("journal_date", "JournalDate"),
               text("source_type", "SourceType"))),
    View("tracking_categories", "TrackingCategories", "tracking_category_id", (
        text("name", "Name"),
    ), stamp=None),
    _lines("tracking_options", "TrackingCategories", "tracking_category_id", "Options", (
        text("tracking_option_id", "TrackingOptionID"), text("name", "Name"), text("option_status", "Status"),
    ), parent=(text("category_name", "Name"),)),
    View("purchase_orders", "PurchaseOrders", "purchase_order_id", (
        text("purchase_order_number", "PurchaseOrderNumber"), text("reference", "Reference"), *CONTACT,
        date("date", "Date"), date("delivery_date", "DeliveryDate"),
        date("expected_arrival_date", "ExpectedArrivalDate"), *MONEY, number("total_discount", "TotalDiscount"),
        *CURRENCY, text("delivery_address", "DeliveryAddress"), text("attention_to", "AttentionTo"),
        text("telephone", "Telephone"), text("delivery_instructions", "DeliveryInstructions"),
        text("branding_theme_id", "BrandingThemeID"), boolean("sent_to_contact", "SentToContact"),
        boolean("has_attachments", "HasAttachments"),
    )),
    _lines("purchase_order_line_items", "PurchaseOrders", "purchase_order_id"),
    View("quotes", "Quotes", "quote_id", (
        text("quote_number", "QuoteNumber"), text("reference", "Reference"), text("title", "Title"),
        text("summary", "Summary"), text("terms", "Terms"), *CONTACT, date("date", "Date"),
        date("expiry_date", "ExpiryDate"), *MONEY, number("total_discount", "TotalDiscount"), *CURRENCY,
        text("branding_theme_id", "BrandingThemeID"),
    )),
    _lines("quote_line_items", "Quotes", "quote_id"),
    View("repeating_invoices", "RepeatingInvoices", "repeating_invoice_id", (
        text("type", "Type"), text("reference", "Reference"), *CONTACT, *MONEY, *CURRENCY,
        integer("schedule_period", "Schedule.Period"), text("schedule_unit", "Schedule.Unit"),
        integer("schedule_due_date", "Schedule.DueDate"), text("schedule_due_date_type", "Schedule.DueDateType"),
        date("schedule_start_date", "Schedule.StartDate"),
        date("schedule_next_scheduled_date", "Schedule.NextScheduledDate"),
        date("schedule_end_date", "Schedule.EndDate"), text("branding_theme_id", "BrandingThemeID"),
        boolean("approved_for_sending", "ApprovedForSending"), boolean("has_attachments", "HasAttachments"),
    ), stamp=None),
    _lines("repeating_invoice_line_items", "RepeatingInvoices", "repeating_invoice_id"),
    # Xero lists a group's members only when asked for one group: the list the daemon reads has none
    View("contact_groups", "ContactGroups", "contact_group_id", (text("name", "Name"),), stamp=None),
    View("users", "Users", "user_id", (
        text("email_address", "EmailAddress"), text("first_name", "FirstName"), text("last_name", "LastName"),
        text("organisation_role", "OrganisationRole"), boolean("is_subscriber", "IsSubscriber"),
    )),
)

BY_NAME = {view.name: view for view in VIEWS}


def column_names(view: View) -> list[str]:
    """Every column of a view, in order."""
    own = [c.name for c in view.columns]
    if view.lines:
        return ["tenant_id", view.id_column, "line_number", *own, *(c.name for c in view.parent), "status", "deleted"]
    return ["tenant_id", view.id_column, *own, "status", "deleted", "updated_utc", "synced_at"]
