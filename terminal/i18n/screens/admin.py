"""Texts of the after-sale and back-office screens: refund (退货/撤销), reprint (重打小票),
shift (开班/交班) and settings (设置)."""

from __future__ import annotations

REFUND = {
    "admin.refund.recent": ("本机最近的销售", "Recent sales on this terminal"),
    "admin.refund.no_sales": ("本机还没有销售记录", "No sales on this terminal yet"),
    "admin.refund.sale_row": ("{time}　{op_id}\n{member}　实收 {amount:fen}　已退 {refunded:fen}",
                              "{time}  {op_id}\n{member}  paid {amount:fen}  refunded "
                              "{refunded:fen}"),
    "admin.refund.guest": ("散客", "Guest"),
    "admin.refund.choose_sale": ("请在左侧选择要退货的销售", "Choose a sale on the left"),
    "admin.refund.sale_detail": ("销售单 {op_id}（{time}，实收 {amount:fen}）：请选择退货数量",
                                 "Sale {op_id} ({time}, paid {amount:fen}): choose what "
                                 "comes back"),
    "admin.refund.line": ("{no}. {name} ×{qty}　实付 {net:fen}　可退 {left}",
                          "{no}. {name} x{qty}  paid {net:fen}  {left} left"),
    "admin.refund.refund_selected": ("退所选商品", "Refund selected"),
    "admin.refund.void": ("整单撤销", "Void the sale"),
    "admin.refund.choose_units": ("请先用“+”选择退货数量", "Choose the units with + first"),
    "admin.refund.done": ("退货完成：销售单 {op_id} 退款 {amount:fen}",
                          "Refunded {amount:fen} of sale {op_id}"),
    "admin.refund.voided": ("已撤销销售单 {op_id}，退款 {amount:fen}",
                            "Sale {op_id} voided: {amount:fen} refunded"),
}

REPRINT = {
    "admin.reprint.last": ("重打上一张", "Reprint the last receipt"),
    "admin.reprint.refresh": ("刷新列表", "Refresh"),
    "admin.reprint.none_pending": ("没有待补打的小票", "No receipt is waiting to be printed"),
    "admin.reprint.hint": ("打印失败的小票保存在这里，装好纸后点“补打”",
                           "Receipts that did not print wait here: fix the printer, then "
                           "print them"),
    "admin.reprint.row_failed": ("{kind:~receipt.title}　{op_id}　{time}\n未打印：{reason}",
                                 "{kind:~receipt.title}  {op_id}  {time}\nNot printed: "
                                 "{reason}"),
    "admin.reprint.row_waiting": ("{kind:~receipt.title}　{op_id}　{time}\n等待打印",
                                  "{kind:~receipt.title}  {op_id}  {time}\nWaiting to print"),
    "admin.reprint.print_one": ("补打", "Print"),
    "admin.reprint.printing": ("正在打印 {op_id}…", "Printing {op_id}…"),
    "admin.reprint.printed": ("小票 {op_id} 已打印", "Receipt {op_id} printed"),
}

SHIFT = {
    "admin.shift.loading": ("正在读取班次…", "Reading the shift…"),
    "admin.shift.none_open": ("本机没有进行中的班次：请输入备用金开班",
                              "No shift is open: enter the opening float to open one"),
    "admin.shift.open_since": ("班次进行中：{staff_id} 于 {time} 开班",
                               "Shift open: {staff_id} since {time}"),
    "admin.shift.float_hint": ("备用金（元）", "Opening float (yuan)"),
    "admin.shift.counted_hint": ("清点的现金（元）", "Cash counted (yuan)"),
    "admin.shift.open": ("开班", "Open shift"),
    "admin.shift.close": ("交班", "Close shift"),
    "admin.shift.to_login": ("返回登录", "Back to sign-in"),
    "admin.shift.opened": ("已开班，备用金 {amount:fen}", "Shift opened with {amount:fen}"),
    "admin.shift.closed": ("已交班，交班报表已打印，请重新登录",
                           "Shift closed, its report printed: sign in again"),
    "admin.shift.closed_heading": ("交班完成", "Shift closed"),
    "admin.shift.opening_float": ("备用金 {amount:fen}", "Opening float {amount:fen}"),
    "admin.shift.sales": ("销售 {count} 笔，共 {amount:fen}", "Sales: {count}, {amount:fen}"),
    "admin.shift.taking": ("收款·{kind:~tender} {amount:fen}",
                           "Taken by {kind:~tender}: {amount:fen}"),
    "admin.shift.topups": ("充值 {count} 笔，共 {amount:fen}", "Top-ups: {count}, {amount:fen}"),
    "admin.shift.refunds": ("退款 {count} 笔，共 {amount:fen}", "Refunds: {count}, {amount:fen}"),
    "admin.shift.refunded": ("退款·{kind:~tender} {amount:fen}",
                             "Refunded by {kind:~tender}: {amount:fen}"),
    "admin.shift.withdrawals": ("取款 {count} 笔，共 {amount:fen}",
                                "Withdrawals: {count}, {amount:fen}"),
    "admin.shift.cash_paid_out": ("退卡退还现金 {amount:fen}",
                                  "Cash returned for cancelled cards {amount:fen}"),
    "admin.shift.count_use": ("计次·{service} {uses} 次", "Service uses, {service}: {uses}"),
    "admin.shift.my_commission": ("本班我的提成 {amount:fen}",
                                  "My commission this shift {amount:fen}"),
    "admin.shift.expected_cash": ("钱箱应有现金 {amount:fen}",
                                  "Cash the drawer should hold {amount:fen}"),
    "admin.shift.counted_cash": ("清点现金 {amount:fen}", "Cash counted {amount:fen}"),
    "admin.shift.short": ("短款 {amount:fen}", "Short by {amount:fen}"),
    "admin.shift.over": ("长款 {amount:fen}", "Over by {amount:fen}"),
    "admin.shift.balanced": ("现金相符", "The cash matches"),
}

SETTINGS = {
    "admin.settings.unlock": ("请店长授权", "Ask a store manager"),
    "admin.settings.printer_test": ("打印测试页", "Print a test page"),
    "admin.settings.printer_test_done": ("测试页已打印", "Test page printed"),
    "admin.settings.language_switched": ("已切换为简体中文", "The screen is now in English"),
    "admin.settings.sync": ("与总部同步", "Upload to HQ"),
    "admin.settings.no_hq": ("本机未连接总部（单机模式）", "No HQ configured (stand-alone)"),
    "admin.settings.ack": ("总部已确认至第 {seq} 笔", "HQ has stored events up to #{seq}"),
    "admin.settings.versions": ("已应用的总部配置：", "Configuration from HQ in force:"),
    "admin.settings.version": ("{name}：第 {version} 版（{scope}）",
                               "{name}: version {version} ({scope})"),
    "admin.settings.send_now": ("立即上传", "Send now"),
    "admin.settings.send_requested": ("已通知上传，稍后刷新状态",
                                      "Upload started: the status follows shortly"),
    "admin.settings.devices": ("设备诊断", "Device diagnostics"),
    "admin.settings.diagnose": ("重新检测设备", "Check the devices again"),
    "admin.settings.printer_status": (
        "打印机：{online:~admin.settings.online}｜纸张：{paper:~admin.settings.paper}｜"
        "机盖：{cover:~admin.settings.cover}",
        "Printer: {online:~admin.settings.online} | paper: {paper:~admin.settings.paper} | "
        "cover: {cover:~admin.settings.cover}"),
    "admin.settings.printer_silent": ("打印机无应答", "The printer does not answer"),
    "admin.settings.online.yes": ("就绪", "ready"),
    "admin.settings.online.no": ("不可用", "not ready"),
    "admin.settings.paper.ok": ("正常", "OK"),
    "admin.settings.paper.near_end": ("即将用完", "running low"),
    "admin.settings.paper.out": ("缺纸", "out"),
    "admin.settings.paper.unknown": ("无法读取", "unknown"),
    "admin.settings.cover.open": ("打开", "open"),
    "admin.settings.cover.closed": ("关闭", "closed"),
    "admin.settings.cover.unknown": ("无法读取", "unknown"),
    "admin.settings.simulated": ("{device:~admin.settings.device}：模拟设备",
                                 "{device:~admin.settings.device}: simulated"),
    "admin.settings.real": ("{device:~admin.settings.device}：真实设备",
                            "{device:~admin.settings.device}: real device"),
    "admin.settings.device.card_reader": ("读卡器", "Card reader"),
    "admin.settings.device.pinpad": ("密码键盘", "PIN keypad"),
    "admin.settings.device.printer": ("小票打印机", "Receipt printer"),
}

MESSAGES = {**REFUND, **REPRINT, **SHIFT, **SETTINGS}
