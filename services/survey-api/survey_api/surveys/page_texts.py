"""The survey page's words in zh-CN (the default) and en."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

TEXTS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "{dealer} 客户满意度调查",
        "switch": "English",
        "heading": "客户满意度调查",
        "intro": "感谢您于 {date} 到店维修保养。请为以下 {count} 个问题打分（1 = 非常不满意，10 = 非常满意）。",
        "duration": "最近作答的客户中，一半在 {minutes} 分钟内完成。",
        "fix": "请完成以下问题：",
        "overall_heading": "总体评价",
        "optional": "（选填）",
        "na": "不适用",
        "comment": "您还有什么意见或建议？（选填，不超过 1000 字）",
        "submit": "提交",
        "thanks_heading": "感谢您的评价",
        "thanks": "您的意见已收到，我们会认真改进。",
        "next_complaint": "您有评分偏低的项目：{dealer} 已收到通知，会在 {hours} 小时内跟进处理。",
        "next_follow_up": "{dealer} 的客服可能会致电，了解我们可以如何做得更好。",
        "next_none": "您的评价会转给 {dealer} 和品牌，用于改进服务，您无需再做任何事。",
        "dealer_contact": "如有问题，请联系 {dealer}：",
        "contact_question": "您对部分服务不满意。是否同意经销商就此与您电话联系？",
        "contact_yes": "同意联系我",
        "contact_no": "不用联系",
        "contact_when": "方便接听电话的时间",
        "when_any": "任何时间",
        "when_morning": "上午 9–12 点",
        "when_afternoon": "下午 12–18 点",
        "when_evening": "晚上 18–20 点",
        "contact_submit": "提交",
        "contact_saved": "已记录您的选择，谢谢。",
        "answered_heading": "您已完成本次调查",
        "answered": "每次到店服务只需回答一次。感谢您的参与！",
        "closed_heading": "本次调查已结束",
        "closed": "{dealer} 本期满意度调查已经结束，感谢您的关注。",
        "closed_phone": "如有意见，欢迎致电服务台：{phone}",
        "unknown_heading": "链接无效",
        "unknown": "找不到这个调查。请检查短信中的链接是否完整。",
        "busy_heading": "请稍后再试",
        "busy": "访问过于频繁，请稍等片刻后刷新页面。",
        "foreign_heading": "无法提交",
        "foreign": "这个表单只能从调查页面提交。请重新打开短信中的链接。",
        "too_large_heading": "内容过长",
        "too_large": "提交的内容过长，请缩短意见后重试。",
        "privacy_link": "我们如何使用您的信息",
        "privacy_heading": "个人信息说明",
        "privacy_who": "本调查由 {dealer} 和其所属汽车品牌开展，您的回答由二者收集和使用。",
        "privacy_why": "我们用您的回答改进服务：打分偏低的项目由经销商跟进处理。未经您同意，您的信息不会提供给第三方。",
        "privacy_kept": "您的姓名、手机号和车牌号在车辆交付 {months} 个月后匿名化，只保留评分和统计数据。",
        "privacy_opt_out": "如不想再收到满意度调查，请点击下方“退订调查短信”。是否回答本调查由您决定。",
        "opt_out_hint": "不想再收到满意度调查？",
        "opt_out": "退订调查短信",
        "opted_out_heading": "已退订",
        "opted_out": "您的手机号将不再收到本品牌任何经销商的满意度调查。售后回访仍按您在接待时的意愿进行。",
        "no_number_heading": "未能退订",
        "no_number": "此链接已不再关联任何手机号（您的个人信息可能已按您的要求删除），因此无法在此退订。如仍收到调查短信，请回复TD退订。",
    },
    "en": {
        "title": "{dealer} customer satisfaction survey",
        "switch": "中文",
        "heading": "Customer satisfaction survey",
        "intro": "Thank you for your visit on {date}. Please rate these {count} questions (1 = very dissatisfied, "
        "10 = very satisfied).",
        "duration": "Half of the customers who answered lately took {minutes} minutes or less.",
        "fix": "Please complete these questions:",
        "overall_heading": "Overall",
        "optional": "(optional)",
        "na": "N/A",
        "comment": "Anything else you would like to tell us? (optional, up to 1,000 characters)",
        "submit": "Send",
        "thanks_heading": "Thank you for your answers",
        "thanks": "We have received them and will use them to do better.",
        "next_complaint": "Some of your answers were low: {dealer} has been told and will respond within {hours} "
        "hours.",
        "next_follow_up": "Customer care at {dealer} may call you to hear how we could do better.",
        "next_none": "Your answers go to {dealer} and the brand to improve the service; there is nothing more you need "
        "to do.",
        "dealer_contact": "Questions? Contact {dealer}: ",
        "contact_question": "You were not satisfied with part of the service. May the dealer call you about it?",
        "contact_yes": "Yes, call me",
        "contact_no": "No, thank you",
        "contact_when": "When may they call?",
        "when_any": "Any time",
        "when_morning": "Morning, 9–12",
        "when_afternoon": "Afternoon, 12–18",
        "when_evening": "Evening, 18–20",
        "contact_submit": "Send",
        "contact_saved": "Your choice is recorded. Thank you.",
        "answered_heading": "You have already answered this survey",
        "answered": "Each visit is surveyed once. Thank you for taking part!",
        "closed_heading": "This survey has closed",
        "closed": "The satisfaction survey of {dealer} for this period has closed. Thank you for your interest.",
        "closed_phone": "To tell us more, call the service desk: {phone}",
        "unknown_heading": "This link does not work",
        "unknown": "No survey has this link. Please check that the whole link from the message was opened.",
        "busy_heading": "Please try again shortly",
        "busy": "Too many requests; please wait a moment and reload the page.",
        "foreign_heading": "This form cannot be sent from here",
        "foreign": "The survey can only be sent from its own page. Please open the link from your message again.",
        "too_large_heading": "Too long",
        "too_large": "What you sent is too long; please shorten the comment and try again.",
        "privacy_link": "How we use your information",
        "privacy_heading": "Your information",
        "privacy_who": "This survey is run by {dealer} and its car brand; both collect and use your answers.",
        "privacy_why": "We use your answers to improve the service: the dealer follows up low scores. Your information "
        "is not given to anyone else without your consent.",
        "privacy_kept": "Your name, phone number and number plate are anonymised {months} months after the car was "
        "handed back; only scores and counts are kept.",
        "privacy_opt_out": "To get no more satisfaction surveys, use “Stop survey messages” below. Answering this "
        "survey is your choice.",
        "opt_out_hint": "Rather not get satisfaction surveys?",
        "opt_out": "Stop survey messages",
        "opted_out_heading": "You will get no more surveys",
        "opted_out": "Your number gets no satisfaction survey from any of the brand's dealers any more. Service "
        "callbacks still follow what you told the dealer at reception.",
        "no_number_heading": "Nothing to opt out",
        "no_number": "This link no longer holds a phone number (your data may have been erased at your request), so "
        "nothing was changed here. If a survey message still reaches you, reply STOP to it.",
    },
}


def language_of(asked: str | None, accept_language: str | None) -> str:
    """`lang` if given, else the first language the browser asks for; zh-CN by default."""
    if asked is not None and asked in LANGUAGES:
        return asked
    if accept_language:
        first = accept_language.split(",")[0].split(";")[0].strip().lower()
        if first.startswith("en"):
            return "en"
    return "zh-CN"
