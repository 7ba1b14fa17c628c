"""The cashier's services: everything the terminal app does, without the UI.

Each service takes the store, the sync, the devices and the store's configuration, decides with
the membership core, commits through the store and prints through the print service. The Kivy
UI (terminal/ui/) calls these on a worker thread and shows what they return; it holds no
business logic. `ports.py` holds what these services need from HQ, as Protocols.
"""
