"""Device drivers of the membership terminal.

Every device is one small Protocol, a real implementation over the vendor stack (pyscard, evdev,
python-escpos), and a simulator shipped as production code (inspectable state, fault injection).
`create(config)` in each sub-package picks one from a plain mapping (a TOML table). Vendor
exceptions are translated to the three errors in `huiyuan_devices.errors`.
"""
