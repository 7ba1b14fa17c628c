"""The pure membership core: money, cards, ledger, pricing, points, levels, commission.

Standard library and lunardate only. Functions take plain data and return decisions
(ledger entries, receipt models, domain events); the terminal and HQ perform them.
"""
