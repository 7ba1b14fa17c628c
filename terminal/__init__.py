"""The countertop terminal app: UI, local store, sync with HQ, receipts and translations."""
