"""The words of the login and second-factor pages (hub/access/pages.py): Chinese first, English beside."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "totp_code": "动态口令（已启用时填写）",
        "totp_needed": "请输入身份验证器应用中显示的6位动态口令。",
        "totp_wrong": "动态口令不正确或已使用，请等待下一个口令。",
        "totp_title": "设置动态口令",
        "totp_why": (
            "您的账号须使用第二种身份鉴别方式（GB/T 22239）。"
            "请在手机上安装身份验证器应用（如 FreeOTP、Google "
            "Authenticator、Microsoft Authenticator），扫描下面的二维码，再输入应用显示的6位口令。"
        ),
        "totp_start": "生成二维码",
        "totp_scan": "用身份验证器应用扫描二维码；无法扫描时，手工输入密钥：",
        "totp_confirm": "确认启用",
        "totp_active": "动态口令已启用。以后每次登录都需输入应用中的口令。丢失手机时，请联系安全管理员重置。",
        "totp_continue": "继续",
    },
    "en": {
        "totp_code": "One-time code (if you have one)",
        "totp_needed": "Enter the 6-digit code your authenticator app shows.",
        "totp_wrong": "The code is wrong or was used already; wait for the next one.",
        "totp_title": "Set up your second factor",
        "totp_why": (
            "Your account must log in with a second factor (GB/T 22239). "
            "Install an authenticator app on your phone (FreeOTP, Google "
            "Authenticator, Microsoft Authenticator …), scan the QR "
            "code below, then enter the 6-digit code it shows."
        ),
        "totp_start": "Show the QR code",
        "totp_scan": "Scan the QR code with your authenticator app; if you cannot, type this key:",
        "totp_confirm": "Turn it on",
        "totp_active": (
            "Your second factor is on. Every login now asks for the "
            "app's code. If you lose your phone, ask the security administrator "
            "to reset it."
        ),
        "totp_continue": "Continue",
    },
}
