# ruff: noqa: E501  (the outlines are the documents' wording: one sentence a line)
"""Write the court filings' templates (template.html and template.docx) from one outline each,
so the PDF and the DOCX of a filing say the same thing with the same fields.

    python scripts/legal_templates.py          # rewrites documents/templates/<kind>/template.*

The outlines are the wording of record: edit them here and run the script, then
`duecourse documents check`. A block is (what, text): title, number, plain (a line), h2, p (an
indented paragraph), for (a paragraph per item: "x in xs", text), amounts (the claim's table),
evidence (the evidence list's table), to (此致 the court), sign (the applicant's signature, lines separated by ¦).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent / "documents" / "templates"

Block = tuple[str, ...]
SEP = "¦"  # separates the lines of a signature block (not |, a Jinja filter)

DEMO = "演示样本 DEMO：本文书所列银行、法院、人员均为示例，不得用于真实诉讼。"
APPLICANT = [
    ("plain", "{role}：{{{{ bank.name }}}}"),
    ("plain", "住所地：{{ bank.address }}"),
    (
        "plain",
        "{{ litigant.title }}：{{ litigant.representative }}　联系电话：{{ litigant.phone }}",
    ),
    (
        "plain",
        "{other}：{{{{ debtor_name }}}}，{{{{ debtor_sex }}}}，公民身份号码：{{{{ debtor_id_number }}}}",
    ),
    ("plain", "住所地：{{ debtor_address }}"),
]


def parties(role: str, other: str) -> list[Block]:
    return [
        (k, t.format(role=role, other=other)) if "{role}" in t or "{other}" in t else (k, t)
        for k, t in APPLICANT
    ]


SIGN = (
    "sign",
    "{role}：{{{{ bank.name }}}}（盖章）¦{{{{ litigant.title }}}}：{{{{ litigant.representative }}}}¦{{{{ filing_date | cn_date }}}}",
)


def sign(role: str) -> Block:
    return (SIGN[0], SIGN[1].format(role=role))


CLAIM = "信用卡（卡号：{{ card }}）欠款人民币 {{ total | yuan }} 元（{{ total | rmb_capitals }}），计至{{ amounts_as_of | cn_date }}，其中："
FACTS = (
    "被申请人向申请人申领信用卡（卡号：{{ card }}）并签订《信用卡领用合约》，依约透支使用。"
    "被申请人未按约定于{{ due_date | cn_date }}前足额还款，截至{{ amounts_as_of | cn_date }}尚欠上述款项。"
)

OUTLINES: dict[str, list[Block]] = {
    "payment_order_application": [
        ("title", "支付令申请书"),
        ("number",),
        *parties("申请人", "被申请人"),
        ("h2", "请求事项"),
        ("p", "请求贵院依法向被申请人发出支付令，督促被申请人向申请人给付" + CLAIM),
        ("amounts",),
        ("p", "督促程序费用由被申请人负担。"),
        ("h2", "事实与理由"),
        ("p", FACTS + "申请人已向被申请人送达下列书面催收，被申请人至今未还款："),
        ("for", "d in demands", "{{ d }}"),
        (
            "p",
            "上述债权为给付金钱的请求，已到期且数额确定；申请人与被申请人之间没有其他债务纠纷，申请人未申请诉前财产保全；"
            "被申请人在中华人民共和国境内且下落明确，支付令能够送达。依照《中华人民共和国民事诉讼法》第二百二十五条的规定，特向贵院申请支付令。",
        ),
        ("h2", "申请费"),
        (
            "p",
            "申请费人民币 {{ fee | yuan }} 元（{{ fee | rmb_capitals }}），依《诉讼费用交纳办法》第十四条第（三）项，按财产案件受理费标准的三分之一交纳。",
        ),
        ("to",),
        sign("申请人"),
    ],
    "civil_complaint": [
        ("title", "民事起诉状"),
        ("number",),
        *parties("原告", "被告"),
        ("h2", "诉讼请求"),
        ("p", "一、判令被告向原告偿还" + CLAIM),
        ("amounts",),
        (
            "p",
            "二、判令被告支付自{{ amounts_as_of | cn_date }}次日起至实际清偿之日止按《信用卡领用合约》约定计算的利息（以法律允许的上限为限）；",
        ),
        ("p", "三、本案诉讼费用由被告负担。"),
        ("h2", "事实与理由"),
        (
            "p",
            FACTS.replace("被申请人", "被告").replace("申请人", "原告")
            + "原告多次催收，被告至今未还款。"
            "原告认为，双方之间的信用卡合同合法有效，被告应当按照约定全面履行还款义务（《中华人民共和国民法典》第五百零九条、第六百七十五条、第六百七十六条）。"
            "依照《中华人民共和国民事诉讼法》第一百二十二条、第一百二十四条的规定，特向贵院提起诉讼。",
        ),
        ("h2", "证据和证据来源"),
        ("for", "e in evidence", "{{ loop.index }}. {{ e }}"),
        ("h2", "诉讼费用"),
        (
            "p",
            "案件受理费人民币 {{ fee | yuan }} 元（{{ fee | rmb_capitals }}），依《诉讼费用交纳办法》第十三条计算。"
            "{% if fee_paid > 0 %}原告已交纳支付令申请费人民币 {{ fee_paid | yuan }} 元，应补交人民币 {{ fee_due | yuan }} 元。{% else %}应交纳人民币 {{ fee_due | yuan }} 元。{% endif %}",
        ),
        ("to",),
        sign("原告"),
    ],
    "evidence_list": [
        ("title", "证据清单"),
        ("number",),
        ("plain", "案件：{{ bank.name }} 与 {{ debtor_name }} 信用卡纠纷"),
        ("plain", "提交法院：{{ court }}"),
        ("evidence",),
        ("sign", "提交人：{{ bank.name }}（盖章）¦{{ filing_date | cn_date }}"),
    ],
    "enforcement_application": [
        ("title", "强制执行申请书"),
        ("number",),
        *parties("申请执行人", "被执行人"),
        ("h2", "执行依据"),
        ("p", "{{ basis }}"),
        ("h2", "请求事项"),
        ("p", "一、请求贵院依法强制执行被执行人向申请执行人给付" + CLAIM),
        ("amounts",),
        ("p", "二、被执行人加倍支付迟延履行期间的债务利息；执行费用由被执行人负担。"),
        ("h2", "事实与理由"),
        (
            "p",
            FACTS.replace("被申请人", "被执行人").replace("申请人", "申请执行人")
            + "上述执行依据已发生法律效力，被执行人在履行期限内未履行。依照《中华人民共和国民事诉讼法》第二百五十条等规定，申请执行人在法定期间内申请强制执行。",
        ),
        ("h2", "申请执行费"),
        (
            "p",
            "申请执行费人民币 {{ fee | yuan }} 元（{{ fee | rmb_capitals }}），依《诉讼费用交纳办法》第十四条第（一）项计算，执行后交纳，由被执行人负担。",
        ),
        ("to",),
        sign("申请执行人"),
    ],
    "preservation_application": [
        ("title", "诉前财产保全申请书"),
        ("number",),
        *parties("申请人", "被申请人"),
        ("h2", "请求事项"),
        (
            "p",
            "请求贵院在起诉前依法冻结被申请人名下银行存款人民币 {{ total | yuan }} 元（{{ total | rmb_capitals }}），"
            "或查封、扣押其同等价值的其他财产。保全数额为" + CLAIM,
        ),
        ("amounts",),
        ("h2", "事实与理由"),
        (
            "p",
            FACTS
            + "情况紧急，不立即申请保全将会使申请人的合法权益受到难以弥补的损害。依照《中华人民共和国民事诉讼法》第一百零四条的规定，"
            "特向贵院申请诉前财产保全；申请人将在贵院采取保全措施后三十日内依法提起诉讼。",
        ),
        ("h2", "担保"),
        (
            "p",
            "申请人愿以其自有财产或保险机构出具的保全责任保险保函，提供与请求保全数额相当的担保。",
        ),
        ("h2", "申请费"),
        (
            "p",
            "保全申请费人民币 {{ fee | yuan }} 元（{{ fee | rmb_capitals }}），依《诉讼费用交纳办法》第十四条第（二）项计算。",
        ),
        ("to",),
        sign("申请人"),
    ],
}

AMOUNTS_HEAD = ("项目", "金额（人民币元）")
AMOUNT_ROWS = [("透支本金", "{{ principal | yuan }}"), ("利息", "{{ interest | yuan }}")]
EVIDENCE_HEAD = ("序号", "证据名称", "来源", "证明事项", "送达及凭证")
EVIDENCE_WIDTHS = (7, 25, 20, 20, 28)
EVIDENCE_CELLS = (
    "{{ e.seq }}",
    "{{ e.name }}",
    "{{ e.source }}",
    "{{ e.proves }}",
    "{{ e.detail }}",
)


def esc(text: str) -> str:
    """HTML-escape literal text but not the Jinja inside it."""
    parts = re.split(r"({{.*?}}|{%.*?%})", text)
    return "".join(p if p.startswith(("{{", "{%")) else html.escape(p, quote=False) for p in parts)


def to_html(kind: str, title: str, blocks: list[Block]) -> str:  # noqa: C901 (one branch a block)
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{title} {{{{ number }}}}</title>",
        '<link rel="stylesheet" href="../_shared/letter.css">',
        "</head>",
        "<body>",
        '<div class="running-strings"><span class="bank-name">{{ bank.name }}</span>'
        '<span class="doc-number">编号：{{ number }}</span></div>',
        "{% if bank.demo %}",
        f'<div class="demo">{DEMO}</div>',
        "{% endif %}",
    ]
    for block in blocks:
        what = block[0]
        if what == "title":
            out.append(f"<h1>{esc(block[1])}</h1>")
        elif what == "number":
            out.append('<p class="number">编号：{{ number }}</p>')
        elif what == "plain":
            out.append(f"<p>{esc(block[1])}</p>")
        elif what == "h2":
            out.append(f"<h2>{esc(block[1])}</h2>")
        elif what == "p":
            out.append(f'<p class="indent">{esc(block[1])}</p>')
        elif what == "for":
            out += [
                f"{{% for {block[1]} %}}",
                f'<p class="indent">{esc(block[2])}</p>',
                "{% endfor %}",
            ]
        elif what == "amounts":  # the one claim table of every letter and filing
            out.append('{% include "_shared/amounts.html" %}')
        elif what == "evidence":
            out += [
                '<table class="amounts evidence">',
                "  <colgroup>"
                + "".join(f'<col style="width:{w}%">' for w in EVIDENCE_WIDTHS)
                + "</colgroup>",
                "  <tr>" + "".join(f"<th>{h}</th>" for h in EVIDENCE_HEAD) + "</tr>",
                "{% for e in items %}",
                "  <tr>" + "".join(f"<td>{c}</td>" for c in EVIDENCE_CELLS) + "</tr>",
                "{% endfor %}",
                "</table>",
            ]
        elif what == "to":
            out += ['<div class="keep"><p>此致</p>', "<p>{{ court }}</p></div>"]
        elif what == "sign":
            lines = "".join(f"<div>{esc(x)}</div>" for x in block[1].split(SEP))
            out.append(f'<div class="sign keep">{lines}</div>')
        else:
            raise ValueError(what)
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _font(doc: Any) -> None:
    style = doc.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)


def _para(
    doc: Any,
    text: str,
    *,
    size: float | None = None,
    center: bool = False,
    right: bool = False,
    indent: bool = False,
) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    if size:
        run.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if indent:
        p.paragraph_format.first_line_indent = Pt(21)


def _table(doc: Any, head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    table = doc.add_table(rows=0, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in [head, *rows]:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def to_docx(blocks: list[Block], path: Path) -> None:  # noqa: C901 (one branch a block)
    doc = docx.Document()
    _font(doc)
    _para(doc, "{%p if bank.demo %}")
    _para(doc, DEMO, center=True)
    _para(doc, "{%p endif %}")
    for block in blocks:
        what = block[0]
        if what == "title":
            _para(doc, block[1], size=17, center=True)
        elif what == "number":
            _para(doc, "编号：{{ number }}", center=True)
        elif what == "plain":
            _para(doc, block[1])
        elif what == "h2":
            _para(doc, block[1], size=11)
        elif what == "p":
            _para(doc, block[1], indent=True)
        elif what == "for":
            _para(doc, f"{{%p for {block[1]} %}}")
            _para(doc, block[2], indent=True)
            _para(doc, "{%p endfor %}")
        elif what == "amounts":
            blank = ("",) * (len(AMOUNTS_HEAD) - 1)
            _table(
                doc,
                AMOUNTS_HEAD,
                [
                    *AMOUNT_ROWS,
                    ("{%tr for label, amount in fee_lines %}", *blank),
                    ("{{ label }}", "{{ amount | yuan }}"),
                    ("{%tr endfor %}", *blank),
                    ("合计", "{{ total | yuan }}"),
                    ("合计（大写）", "{{ total | rmb_capitals }}"),
                ],
            )
        elif what == "evidence":
            blank = ("",) * (len(EVIDENCE_HEAD) - 1)
            _table(
                doc,
                EVIDENCE_HEAD,
                [
                    ("{%tr for e in items %}", *blank),
                    EVIDENCE_CELLS,
                    ("{%tr endfor %}", *blank),
                ],
            )
        elif what == "to":
            _para(doc, "此致")
            _para(doc, "{{ court }}")
        elif what == "sign":
            for line in block[1].split(SEP):
                _para(doc, line, right=True)
        else:
            raise ValueError(what)
    doc.save(str(path))


def main(kinds: list[str]) -> None:
    import yaml

    for kind in kinds or list(OUTLINES):
        folder = ROOT / kind
        title = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))["title"]
        (folder / "template.html").write_text(
            to_html(kind, title, OUTLINES[kind]), encoding="utf-8"
        )
        to_docx(OUTLINES[kind], folder / "template.docx")
        print(f"wrote {folder}/template.html and template.docx")


if __name__ == "__main__":
    main(sys.argv[1:])
