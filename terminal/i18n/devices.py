"""Device messages: key -> (Simplified Chinese, English), for every `message_key` a driver in
huiyuan_devices raises and the device states the terminal shows. Merged by i18n_catalogue."""

from __future__ import annotations

DEVICE_COMMON = {
    "device.error": ("设备故障", "Device error"),
    "device.not_found": ("未找到设备，请检查连接", "Device not found, check its cable"),
    "device.timeout": ("设备无响应", "The device did not answer"),
    "device.protocol_error": ("设备通信错误", "Device communication error"),
}

DEVICE_CARD_READER = {
    "device.reader_unplugged": ("读卡器已断开", "The card reader is disconnected"),
    "device.card_removed": ("读卡时卡片被移开，请重新放卡", "The card was removed, tap it again"),
    "device.unknown_card": ("无法识别的卡片", "Unknown card"),
    "device.reader_busy": ("读卡器被其他程序占用", "The card reader is in use by another program"),
    "device.reader_no_access": (
        "没有读卡器的访问权限，请联系技术支持",
        "No permission to open the card reader, call support",
    ),
}

DEVICE_KEYPAD = {
    "device.keypad_disconnected": ("密码键盘已断开", "The PIN keypad is disconnected"),
    "device.pin_timeout": ("输入密码超时", "PIN entry timed out"),
    "device.keypad_busy": ("密码键盘被其他程序占用", "The PIN keypad is in use by another program"),
    "device.keypad_no_access": (
        "没有密码键盘的访问权限，请联系技术支持",
        "No permission to open the PIN keypad, call support",
    ),
}

DEVICE_PRINTER = {
    "device.printer_offline": ("打印机未连接", "The printer is offline"),
    "device.paper_out": ("打印机缺纸", "The printer is out of paper"),
    "device.cover_open": ("打印机盖未关", "The printer cover is open"),
    "device.printer_error": ("打印机故障，请检查打印机", "The printer reports an error, check it"),
    "device.printer_busy": ("打印机被其他程序占用", "The printer is in use by another program"),
    "device.printer_no_access": (
        "没有打印机的访问权限，请联系技术支持",
        "No permission to open the printer, call support",
    ),
}
