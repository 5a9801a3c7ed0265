"""The web console's one message catalogue: every label in Chinese and English.

Pages never hard-code a label: templates call `t("key")` (bound to the request's language by
duecourse/web/pages/common.py), so a label exists in both languages or in neither. The language
is the `lang` cookie (the header's switch sets it), else the browser's Accept-Language, else
Chinese, the legal department's language. A key missing from the catalogue shows as the key
itself: a visible gap, never an error page.
"""

from __future__ import annotations

from enum import StrEnum

from starlette.requests import Request


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


DEFAULT_LANG = Lang.ZH
LANG_COOKIE = "lang"

MESSAGES: dict[str, dict[str, str]] = {
    # the frame: header, navigation, footer
    "app.title": {"zh": "Duecourse 催收法务台", "en": "Duecourse legal console"},
    "nav.reviews": {"zh": "审批队列", "en": "Review queue"},
    "nav.deadlines": {"zh": "期限", "en": "Deadlines"},
    "nav.dashboard": {"zh": "运营看板", "en": "Dashboard"},
    "nav.logout": {"zh": "退出", "en": "Sign out"},
    "nav.switch": {"zh": "English", "en": "中文"},
    "nav.signed_in_as": {"zh": "当前用户", "en": "Signed in as"},
    "role.collector": {"zh": "催收员", "en": "collector"},
    "role.supervisor": {"zh": "主管", "en": "supervisor"},
    "role.legal": {"zh": "法务", "en": "legal"},
    "role.ops": {"zh": "运营", "en": "operations"},
    # the review queue
    "reviews.title": {"zh": "审批队列", "en": "Review queue"},
    "reviews.filter": {"zh": "筛选", "en": "Filter"},
    "reviews.kind": {"zh": "类型（目标阶段）", "en": "Kind (target stage)"},
    "reviews.status": {"zh": "状态", "en": "Status"},
    "reviews.due": {"zh": "期限", "en": "Due"},
    "reviews.any": {"zh": "全部", "en": "any"},
    "due.overdue": {"zh": "已逾期", "en": "overdue"},
    "due.today": {"zh": "今日到期（含逾期）", "en": "due by today"},
    "due.week": {"zh": "7日内到期", "en": "due within 7 days"},
    "reviews.shown": {
        "zh": "共 {total} 条，显示第 {first}–{last} 条",
        "en": "{first}-{last} of {total}",
    },
    "reviews.none": {"zh": "没有符合条件的审批。", "en": "No review matches."},
    "reviews.previous": {"zh": "上一页", "en": "Previous"},
    "reviews.next": {"zh": "下一页", "en": "Next"},
    "reviews.deadline": {"zh": "法定/审批期限", "en": "Deadline"},
    "reviews.oldest_first": {"zh": "按提请日期排序，最早的在前", "en": "Oldest first"},
    "col.review": {"zh": "审批", "en": "Review"},
    "col.case": {"zh": "案件", "en": "Case"},
    "col.debtor": {"zh": "债务人", "en": "Debtor"},
    "col.move": {"zh": "阶段变更", "en": "Move"},
    "col.role": {"zh": "审批角色", "en": "Role"},
    "col.risk": {"zh": "风险", "en": "Risk"},
    "col.dpd": {"zh": "逾期天数", "en": "DPD"},
    "col.balance": {"zh": "欠款余额", "en": "Balance"},
    "col.opened": {"zh": "提请日期", "en": "Requested"},
    "col.owner": {"zh": "负责人", "en": "Owner"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.decided": {"zh": "决定", "en": "Decided"},
    "col.comment": {"zh": "意见", "en": "Comment"},
    "col.kind": {"zh": "类型", "en": "Kind"},
    "col.stage": {"zh": "阶段", "en": "Stage"},
    "col.due": {"zh": "到期日", "en": "Due"},
    "col.days": {"zh": "剩余天数", "en": "Days left"},
    "col.rule": {"zh": "法律依据", "en": "Rule"},
    "col.date": {"zh": "日期", "en": "Date"},
    "col.time": {"zh": "时间", "en": "Time"},
    "col.event": {"zh": "事件", "en": "Event"},
    "col.detail": {"zh": "详情", "en": "Detail"},
    "col.actor": {"zh": "操作人", "en": "By"},
    "col.channel": {"zh": "渠道", "en": "Channel"},
    "col.party": {"zh": "对象", "en": "Party"},
    "col.to": {"zh": "联系方式", "en": "To"},
    "col.demand": {"zh": "催告", "en": "Demand"},
    "col.proof": {"zh": "凭证", "en": "Proof"},
    "col.number": {"zh": "编号", "en": "Number"},
    "col.format": {"zh": "格式", "en": "Format"},
    "col.template": {"zh": "模板版本", "en": "Template version"},
    "col.total": {"zh": "合计", "en": "Total"},
    "col.missed": {"zh": "已错过", "en": "Missed"},
    "col.escalated_to": {"zh": "已上报至", "en": "Escalated to"},
    "col.principal": {"zh": "本金", "en": "Principal"},
    "col.interest": {"zh": "利息", "en": "Interest"},
    "col.fees": {"zh": "费用", "en": "Fees"},
    "col.minimum_due": {"zh": "最低还款额", "en": "Minimum due"},
    "col.bucket": {"zh": "账龄", "en": "Bucket"},
    # one review and its decision
    "review.title": {"zh": "审批 {id}", "en": "Review {id}"},
    "review.move": {
        "zh": "申请将案件从 {stage} 转入 {target}",
        "en": "Asks to move the case from {stage} to {target}",
    },
    "review.needs": {"zh": "需要角色：{role}", "en": "Needs the {role} role"},
    "review.requested_by": {"zh": "提请人：{name}", "en": "Requested by {name}"},
    "review.decided": {
        "zh": "{status}，决定人 {name}，时间 {at}",
        "en": "{status} by {name} at {at}",
    },
    "review.via": {"zh": "（来源：{via}）", "en": " (via {via})"},
    "review.decide": {"zh": "审批决定", "en": "Decision"},
    "review.comment": {"zh": "审批意见（必填）", "en": "Comment (required)"},
    "review.approve": {"zh": "批准", "en": "Approve"},
    "review.reject": {"zh": "驳回", "en": "Reject"},
    "review.confirm_approve": {"zh": "确认批准此审批？", "en": "Approve this review?"},
    "review.confirm_reject": {"zh": "确认驳回此审批？", "en": "Reject this review?"},
    "review.not_yours": {
        "zh": "此审批需要 {role} 角色决定。",
        "en": "This review is decided by the {role} role.",
    },
    "review.own_request": {
        "zh": "您提请了此审批，须由他人决定（四眼原则）。",
        "en": "You requested this review: someone else decides it (four eyes).",
    },
    "review.comment_required": {"zh": "请填写审批意见。", "en": "A comment is required."},
    "flash.approved": {
        "zh": "已批准。下一次日常批处理将变更案件阶段。",
        "en": "Approved. The next daily cycle moves the case.",
    },
    "flash.rejected": {
        "zh": "已驳回。案件保持当前阶段。",
        "en": "Rejected. The case stays where it is.",
    },
    "flash.plan_proposed": {
        "zh": "还款计划已提交，等待审批。",
        "en": "The plan is proposed and awaits its checker.",
    },
    "flash.plan_approved": {
        "zh": "已批准：还款计划生效，还款协议已生成。",
        "en": "Approved: the plan is current and its agreement is stored.",
    },
    "flash.plan_rejected": {
        "zh": "已驳回：还款计划未生效。",
        "en": "Rejected: the plan does not take effect.",
    },
    "flash.dispute_upheld": {
        "zh": "已认定成立：争议已结，案件按认定结果处理（恢复催收、协商或结案）。",
        "en": "Upheld: the dispute is decided; the case resumes, goes to negotiation or closes.",
    },
    "flash.dispute_rejected": {
        "zh": "已驳回：争议已结，恢复催收。",
        "en": "Rejected: the dispute is decided and collection resumes.",
    },
    "flash.withdrawn": {
        "zh": "该审批已撤回：案件已结案。",
        "en": "The review was withdrawn: its case has closed.",
    },
    # the case file
    "case.title": {"zh": "案件 {id}", "en": "Case {id}"},
    "case.summary": {"zh": "概要", "en": "Summary"},
    "case.debtor": {"zh": "债务人（已脱敏）", "en": "Debtor (masked)"},
    "case.amounts": {"zh": "金额", "en": "Amounts"},
    "case.history": {"zh": "余额历史", "en": "Balance history"},
    "case.contacts": {"zh": "联系记录与送达凭证", "en": "Contacts and delivered demands"},
    "case.promises": {"zh": "还款承诺", "en": "Promises to pay"},
    "case.plans": {"zh": "还款计划", "en": "Repayment plans"},
    # a repayment plan (duecourse/web/templates/_plan.html)
    "plan.under_review": {"zh": "待审批的还款计划", "en": "The plan to decide"},
    "plan.heading": {"zh": "还款计划 {id}", "en": "Plan {id}"},
    "plan.months": {"zh": "{months} 个月", "en": "{months} months"},
    "plan.total": {"zh": "协议金额", "en": "total"},
    "plan.waived": {"zh": "减免费用 {amount}", "en": "fees {amount} waived"},
    "plan.accrues_interest": {"zh": "继续计息", "en": "interest accrues"},
    "plan.no_interest": {"zh": "停止计息", "en": "no interest accrues"},
    "plan.accrues_fees": {"zh": "继续计费", "en": "fees accrue"},
    "plan.no_fees": {"zh": "停止计费", "en": "no fees accrue"},
    "plan.proposed": {"zh": "提议人：{name}（{day}）", "en": "Proposed by {name} on {day}"},
    "plan.review": {"zh": "审批 {id}", "en": "review {id}"},
    "plan.decided": {"zh": "决定人：{name}（{day}）", "en": "decided by {name} on {day}"},
    "plan.agreement": {"zh": "协议编号 {number}", "en": "agreement {number}"},
    "plan.seq": {"zh": "期数", "en": "No."},
    "plan.due": {"zh": "到期日", "en": "Due"},
    "plan.amount": {"zh": "金额", "en": "Amount"},
    "plan.paid": {"zh": "已还", "en": "Paid"},
    "plan.propose": {"zh": "提议还款计划", "en": "Propose a repayment plan"},
    "plan.kind": {"zh": "方式", "en": "Kind"},
    "plan.kind.installments": {"zh": "分期还款", "en": "Instalments"},
    "plan.kind.deferral": {"zh": "延期还款", "en": "Deferral"},
    "plan.kind.minimum-payment": {"zh": "最低还款", "en": "Minimum payment"},
    "plan.kind.fee-waiver": {"zh": "减免费用", "en": "Fee waiver"},
    "plan.months_field": {
        "zh": "月数（分期不超过 60 期；延期为暂缓月数）",
        "en": "Months (at most 60 instalments; months deferred for a deferral)",
    },
    "plan.first_due": {"zh": "首期到期日（默认一个月后）", "en": "First due (default: a month on)"},
    "plan.waive_fees": {"zh": "减免费用", "en": "Waive the fees"},
    "plan.note": {"zh": "说明", "en": "Note"},
    "plan.submit": {"zh": "提交审批", "en": "Submit for approval"},
    "plan.maker_checker": {
        "zh": "提交后由主管审批；提议人不能审批自己的计划。",
        "en": "A supervisor decides it; the proposer never approves their own plan.",
    },
    "case.disputes": {"zh": "争议", "en": "Disputes"},
    # promises and disputes in the case page (duecourse/web/templates/_case.html)
    "neg.made_on": {"zh": "承诺日", "en": "Made on"},
    "neg.amount": {"zh": "承诺金额", "en": "Amount"},
    "neg.due_on": {"zh": "承诺还款日", "en": "Pay by"},
    "neg.closed_on": {"zh": "结束日", "en": "Closed on"},
    "neg.note": {"zh": "说明", "en": "Note"},
    "neg.resolved": {"zh": "决定", "en": "Decision"},
    "neg.evidence": {"zh": "证据（SHA-256）", "en": "Evidence (SHA-256)"},
    "case.none_recorded": {"zh": "暂无记录", "en": "none recorded"},
    "case.limitation": {"zh": "诉讼时效", "en": "Limitation period"},
    "case.limitation_status": {"zh": "状态", "en": "Status"},
    "case.limitation_last": {"zh": "最近起算事件", "en": "Last event"},
    "case.limitation_expires": {"zh": "届满", "en": "Expires"},
    "case.outer_limit": {"zh": "最长保护期（20年）", "en": "Outer limit (20 years)"},
    "case.readiness": {"zh": "有效催收证据", "en": "Effective-demand evidence"},
    "case.readiness_ready": {"zh": "已齐备", "en": "ready"},
    "case.readiness_not_ready": {"zh": "未齐备", "en": "not ready"},
    "case.milestones": {"zh": "期限节点", "en": "Milestones"},
    "case.reviews": {"zh": "审批记录", "en": "Reviews"},
    "case.timeline": {"zh": "时间线", "en": "Timeline"},
    "case.documents": {"zh": "文书", "en": "Documents"},
    "case.verify": {"zh": "校验文书", "en": "Verify documents"},
    "case.open_file": {"zh": "查看完整案卷", "en": "Open the case file"},
    "case.stage": {"zh": "阶段", "en": "Stage"},
    "case.status": {"zh": "状态", "en": "Status"},
    "case.account": {"zh": "账户", "en": "Account"},
    "case.card": {"zh": "卡号", "en": "Card"},
    "case.name": {"zh": "姓名", "en": "Name"},
    "case.id_number": {"zh": "证件号", "en": "ID number"},
    "case.phone": {"zh": "电话", "en": "Phone"},
    "case.email": {"zh": "邮箱", "en": "E-mail"},
    "case.address": {"zh": "地址", "en": "Address"},
    "case.opened_on": {"zh": "立案日期", "en": "Opened on"},
    "case.stage_entered_on": {"zh": "进入当前阶段", "en": "In stage since"},
    "case.as_of": {"zh": "数据日期", "en": "As of"},
    "case.yes": {"zh": "是", "en": "yes"},
    "case.no": {"zh": "否", "en": "no"},
    # documents
    "doc.title": {"zh": "文书 {number}", "en": "Document {number}"},
    "doc.sha256": {"zh": "SHA-256", "en": "SHA-256"},
    "doc.open": {"zh": "打开文件", "en": "Open the file"},
    "doc.view": {"zh": "查看", "en": "View"},
    "doc.verify_ok": {
        "zh": "校验通过：文件与登记的 SHA-256 一致",
        "en": "Verified: the file matches its recorded SHA-256",
    },
    "doc.verify_changed": {
        "zh": "校验失败：文件已被改动",
        "en": "Changed: the file no longer matches its SHA-256",
    },
    "doc.verify_missing": {"zh": "校验失败：文件缺失", "en": "Missing: the file is gone"},
    "doc.no_embed": {
        "zh": "浏览器无法内嵌显示 PDF。",
        "en": "The browser cannot show the PDF inline.",
    },
    "doc.verify_title": {"zh": "文书校验", "en": "Document verification"},
    "doc.verify_checked": {
        "zh": "已校验 {checked} 份文书，发现 {problems} 个问题",
        "en": "{checked} documents checked, {problems} problems",
    },
    "doc.problem": {"zh": "问题", "en": "Problem"},
    "doc.problem.missing": {"zh": "缺失", "en": "missing"},
    "doc.problem.changed": {"zh": "已改动", "en": "changed"},
    "doc.problem.orphan": {"zh": "无登记", "en": "orphan"},
    # deadlines
    "deadlines.title": {
        "zh": "期限：{day} 起 {within} 天内到期或已错过",
        "en": "Deadlines due by {day} + {within} days, or missed",
    },
    "deadlines.within": {"zh": "天数", "en": "Within days"},
    "deadlines.owner": {"zh": "负责人", "en": "Owner"},
    "deadlines.per_owner": {"zh": "按负责人汇总", "en": "Per owner"},
    "deadlines.none": {"zh": "没有到期或错过的期限。", "en": "Nothing due or missed."},
    "deadlines.shown": {"zh": "共 {total} 条，显示 {shown} 条", "en": "{shown} of {total} shown"},
    "deadlines.escalated": {
        "zh": "{n} 个已错过的期限上报给 {owner}",
        "en": "{n} missed milestone(s) escalated to {owner}",
    },
    # dashboard
    "dash.title": {"zh": "运营看板", "en": "Operations dashboard"},
    "dash.runs": {"zh": "运行记录（最新在前）", "en": "Runs, newest first"},
    "dash.no_runs": {"zh": "尚无运行记录。", "en": "No runs yet."},
    "dash.run": {"zh": "运行", "en": "Run"},
    "dash.flow": {"zh": "流程", "en": "Flow"},
    "dash.started": {"zh": "开始（上海时间）", "en": "Started (Shanghai)"},
    "dash.took": {"zh": "耗时", "en": "Took"},
    "dash.actions": {"zh": "动作数", "en": "Actions"},
    "dash.notes": {"zh": "警告/错误", "en": "Warnings / error"},
    "dash.workload": {"zh": "工作量", "en": "Workload"},
    "dash.capacity": {"zh": "容量", "en": "Capacity"},
    "dash.open_cases": {"zh": "在办案件", "en": "Open cases"},
    "dash.load": {"zh": "负荷", "en": "Load"},
    "dash.over": {"zh": "超出容量", "en": "over capacity"},
    "dash.team": {"zh": "团队", "en": "Team"},
    "dash.unassigned": {"zh": "未分配的在办案件：{n}", "en": "Open cases without an owner: {n}"},
    "dash.kpis": {"zh": "关键指标（{start} 至 {end}）", "en": "KPIs ({start} to {end})"},
    "dash.open_total": {"zh": "在办案件", "en": "Open cases"},
    "dash.sla": {"zh": "期限达成率", "en": "Milestone SLA attainment"},
    "dash.met": {"zh": "按期完成", "en": "Met"},
    "dash.pending_reviews": {"zh": "待审批", "en": "Pending reviews"},
    "dash.by_bucket": {"zh": "按账龄", "en": "By bucket"},
    "dash.legal": {"zh": "法务流程", "en": "Legal pipeline"},
    "dash.entered": {"zh": "期间进入", "en": "Entered in period"},
    "dash.state_day": {"zh": "时点数据截至 {day}", "en": "Point-in-time figures as of {day}"},
    "flow.daily_cycle": {"zh": "日常批处理", "en": "daily"},
    "flow.deadline_check": {"zh": "期限检查", "en": "check"},
    "flow.contact_dispatch": {"zh": "联系发送", "en": "dispatch"},
    # errors
    "error.title": {"zh": "出错了", "en": "Something went wrong"},
    "error.not_found": {"zh": "未找到，或您无权查看。", "en": "Not found, or not yours to see."},
    "error.forbidden": {"zh": "您的角色无权执行此操作。", "en": "Your role may not do this."},
    "error.back": {"zh": "返回审批队列", "en": "Back to the queue"},
}


def t(key: str, lang: str | Lang = DEFAULT_LANG, **values: object) -> str:
    """The label `key` in `lang` (Chinese when the language is unknown), with `{name}` fields
    filled from `values`; an unknown key is returned as is."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(str(lang)) or entry[DEFAULT_LANG.value]
    return text.format(**values) if values else text


def parse_lang(value: str | None) -> Lang | None:
    """`zh`/`en` (or a tag starting with one, `en-GB`), else None."""
    if not value:
        return None
    primary = value.strip().lower().split("-", 1)[0].split("_", 1)[0]
    try:
        return Lang(primary)
    except ValueError:
        return None


def accept_language(header: str | None) -> Lang | None:
    """The first language of an Accept-Language header we have labels for, by its q weight."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        lang = parse_lang(tag)
        if lang is None:
            continue
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if weight > 0:
            ranked.append((-weight, position, lang))
    return min(ranked)[2] if ranked else None


def request_lang(request: Request) -> Lang:
    """The `lang` cookie, else Accept-Language, else Chinese."""
    return (
        parse_lang(request.cookies.get(LANG_COOKIE))
        or accept_language(request.headers.get("accept-language"))
        or DEFAULT_LANG
    )
