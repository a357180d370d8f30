"""Content and HTML templates of the replica 红寺堡区 site (see ``scraper.replica``).

Everything here is pure and deterministic: a data model of documents (:class:`Doc`), the text
generator that fills it, the hand-written base documents, and functions that turn the model
into the HTML of the district's TRS template (header, breadcrumb, info line, share box, body in
``div.view.TRS_UEDITOR``, ``hasFJ`` attachment script, 相关链接, footer).
"""

from __future__ import annotations

import html
import posixpath
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

SITE_NAME = "吴忠市红寺堡区人民政府"
SITE_DOMAIN = "www.hongsibu.gov.cn"
SITE_ID = "6403030001"

FS = "text-indent: 2em; font-family: 仿宋_GB2312; font-size: 21px;"


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Para:
    """One ``<p>``. ``text`` is the text as shown; ``link`` wraps a substring in ``<a>``."""

    text: str
    kind: str = "p"  # "p" | "h" (bold heading) | "right" (signature) | "center"
    link: tuple[str, str] | None = None  # (anchor text inside ``text``, href)


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Image:
    name: str  # W0YYYYMMDD….png, relative to the document's folder


Block = Para | Table | Image


@dataclass
class Attachment:
    name: str  # P0YYYYMMDD….pdf, in the document's folder
    text: str  # link text
    in_body: bool = False  # a plain <a> in the body instead of the hasFJ script


@dataclass
class Catalogue:
    """The 政府信息公开目录 metadata table."""

    index_no: str
    topic: str
    written: str  # 成文日期
    doc_no: str  # "" renders an empty 文号 cell


@dataclass
class Doc:
    path: str  # root-relative path of the first part
    column: str  # the column folder it lives in, e.g. "/xxgk/tzgg/"
    title: str
    date: str  # published, YYYY-MM-DD (as shown)
    source: str
    parts: list[list[Block]]
    layout: str = "time_source"  # "time_source" (时间: 来源:) | "fabu_li" (<li>发布机构：)
    attachments: list[Attachment] = field(default_factory=list)
    catalogue: Catalogue | None = None
    meta_pubdate: str | None = None  # carries ArticleTitle/PubDate/ContentSource when set
    encoding: str = "utf-8"  # "utf-8" | "gb18030" (labelled gb2312)
    body_class: str = "trs_web"
    crumbs: list[str] = field(default_factory=list)  # extra breadcrumb levels (plain text)
    fj_script: bool = True  # emit the (possibly empty) ``var hasFJ`` script
    traps: list[str] = field(default_factory=list)
    figures: list[dict[str, str]] = field(default_factory=list)
    deleted: bool = False

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] + "/"

    @property
    def stem(self) -> str:
        return self.path.rsplit("/", 1)[1].removesuffix(".html")

    @property
    def url_date(self) -> str:
        d = self.stem[1:9]
        return f"{d[:4]}-{d[4:6]}-{d[6:]}"

    def part_paths(self) -> list[str]:
        return [self.path] + [
            f"{self.folder}{self.stem}_{i}.html" for i in range(1, len(self.parts))
        ]

    def attachment_path(self, att: Attachment) -> str:
        return self.folder + att.name

    def images(self) -> list[str]:
        return [self.folder + b.name for part in self.parts for b in part if isinstance(b, Image)]


def doc_path(column: str, date: str, doc_id: int, url_date: str | None = None) -> str:
    d = (url_date or date).replace("-", "")
    return f"{column}{d[:6]}/t{d}_{doc_id:07d}.html"


def cn_date(date: str) -> str:
    y, m, d = date.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def block_texts(blocks: Sequence[Block]) -> list[str]:
    """The body as shown: one string per non-empty paragraph, one per table row (cells
    joined by a tab); images show no text."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Para):
            if b.text.strip():
                out.append(b.text)
        elif isinstance(b, Table):
            out.extend("\t".join(row) for row in b.rows)
    return out


# --------------------------------------------------------------------------- text generator

DEPARTMENTS = [
    "红寺堡区人民政府办公室",
    "红寺堡区发展和改革局",
    "红寺堡区教育局",
    "红寺堡区财政局",
    "红寺堡区民政局",
    "红寺堡区自然资源局",
    "红寺堡区农业农村局",
    "红寺堡区水务局",
    "红寺堡区卫生健康局",
    "红寺堡区市场监督管理局",
    "红寺堡区人力资源和社会保障局",
    "红寺堡区住房城乡建设和交通局",
    "红寺堡区审计局",
    "红寺堡区司法局",
    "红寺堡区医疗保障局",
    "红寺堡区应急管理局",
    "红寺堡区文化旅游体育广电局",
    "红寺堡区统计局",
    "红寺堡镇人民政府",
    "太阳山镇人民政府",
    "大河乡人民政府",
    "新庄集乡人民政府",
    "柳泉乡人民政府",
    "南川乡人民政府",
]
_SUBJ = ["我区", "区委、区政府", "全区各级各部门", "本单位", "各乡镇", "区直各部门"]
_LEAD = [
    "坚持以习近平新时代中国特色社会主义思想为指导",
    "认真贯彻落实党中央、国务院关于全面推进政务公开的决策部署",
    "按照自治区和吴忠市关于政务公开工作的总体要求",
    "紧紧围绕建设生态移民致富示范区的目标",
    "立足移民区经济社会发展实际",
    "坚持以公开为常态、不公开为例外",
    "对照年初确定的目标任务",
]
_ACT = [
    "进一步健全政府信息公开工作机制",
    "持续推进决策、执行、管理、服务、结果公开",
    "不断提升政务公开标准化规范化水平",
    "切实保障人民群众的知情权、参与权、表达权和监督权",
    "加强政府信息公开平台建设和管理",
    "扎实做好财政预决算等重点领域信息公开",
    "及时回应社会关切和群众诉求",
    "严格落实信息发布保密审查制度",
    "优化政务服务流程，压缩办理时限",
    "加快推进“互联网+政务服务”",
    "规范政府网站信息发布审核流程",
    "抓好政策解读和舆情回应工作",
    "推动乡村振兴领域信息公开向村级延伸",
    "强化业务培训和日常督查考核",
]
_RESULT = [
    "取得了明显成效",
    "为全区经济社会高质量发展提供了有力保障",
    "群众满意度持续提升",
    "各项工作有序推进",
    "公开工作的质量和实效进一步提高",
    "政务公开的权威性和影响力明显增强",
]
_STAT = [
    "全年累计主动公开政府信息{a}条，其中政策文件{b}件",
    "通过政府网站发布各类公告公示{a}条，政策解读{b}篇",
    "组织开展政务公开业务培训{b}次，参训人员{a}余人次",
    "办理群众来信来访{b}件，按期办结率100%",
    "更新政府信息公开目录{a}条，清理过期失效信息{b}条",
    "通过政务新媒体发布信息{a}条，回应网民留言{b}条",
]
_PROBLEM = [
    "部分栏目信息更新不够及时",
    "政策解读形式较为单一",
    "基层工作人员业务能力有待提高",
    "公开内容的深度和广度还需拓展",
    "依申请公开办理规范化程度有待加强",
]
_PURPOSES = [
    ("进一步做好森林草原防灭火工作", "中华人民共和国森林法"),
    ("扎实推进农村人居环境整治提升", "农村人居环境整治提升五年行动方案（2021—2025年）"),
    ("切实做好春季农业生产工作", "中华人民共和国农业法"),
    ("加强安全生产隐患排查治理", "中华人民共和国安全生产法"),
    ("规范农村集体资产管理", "宁夏回族自治区农村集体经济组织条例"),
    ("推动全民健身活动深入开展", "全民健身条例"),
    ("做好冬春季节动物疫病防控工作", "中华人民共和国动物防疫法"),
    ("加强城乡供水设施运行管理", "城镇供水条例"),
    ("做好困难群众基本生活保障工作", "社会救助暂行办法"),
    ("促进高校毕业生等重点群体就业", "中华人民共和国就业促进法"),
    ("加强城市市容和环境卫生管理", "城市市容和环境卫生管理条例"),
    ("规范政府投资项目管理", "政府投资条例"),
]
_ITEMS = {
    "提高思想认识": "各乡镇、各有关部门要充分认识做好此项工作的重要性和紧迫性，切实加强组织领导，"
    "主要负责同志亲自抓、负总责，分管负责同志具体抓。",
    "明确工作任务": "要结合工作实际，细化工作措施，明确责任分工和完成时限，建立工作台账，"
    "确保各项任务落到实处。",
    "强化部门协作": "区直有关部门要加强沟通协调，形成工作合力，及时研究解决工作中遇到的困难和问题，"
    "重大事项及时向区委、区政府报告。",
    "严格督查考核": "区政府督查室将适时对工作开展情况进行督查，对工作不力、推诿扯皮、"
    "造成不良影响的单位和个人予以通报批评。",
    "加强宣传引导": "要充分利用广播、电视、政务新媒体等渠道，广泛宣传相关政策，"
    "及时回应群众关切，营造良好社会氛围。",
    "做好经费保障": "所需经费由区财政统筹安排，各单位要严格资金管理，专款专用，"
    "切实提高资金使用效益。",
    "按时报送信息": "各单位请于每月25日前将工作开展情况报送牵头单位，联系电话：0953-5098330。",
}
_ARTICLES = [
    "区人民政府统一领导本区相关工作，区直有关部门按照职责分工负责具体组织实施。",
    "各乡镇人民政府负责本辖区内的日常管理工作，村（居）民委员会予以协助。",
    "主管部门应当建立健全工作台账，加强日常监督管理，并依法及时公开相关信息。",
    "申请人应当如实提交有关材料，并对材料的真实性负责。",
    "所需工作经费列入区级财政预算，实行专款专用，接受财政、审计部门的监督。",
    "主管部门应当于每年12月底前将年度工作情况报区人民政府。",
    "鼓励和引导企业、社会组织和个人依法有序参与相关工作。",
    "有关部门及其工作人员滥用职权、玩忽职守、徇私舞弊的，依法依规追究责任。",
    "违反本办法规定的，由有关部门依法予以处理；构成犯罪的，依法追究刑事责任。",
]
_REG_SUBJECTS = [
    "城乡供水管理办法",
    "政府投资项目管理办法",
    "城市居民最低生活保障实施细则",
    "集体经营性建设用地入市管理暂行办法",
    "农村宅基地审批管理办法",
    "行政规范性文件管理办法",
    "政府购买服务管理实施办法",
    "重大行政决策程序规定",
    "城市绿化管理办法",
    "临时救助实施细则",
    "农业产业化龙头企业认定和运行监测管理办法",
    "公共资源交易管理办法",
]


class TextGen:
    """Deterministic Chinese government prose from a seed string."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)

    def pick(self, seq: Sequence[str]) -> str:
        return self.rng.choice(seq)

    def sentence(self, year: int, kind: str | None = None) -> str:
        kind = kind or self.pick(["lead", "stat", "list", "next"])
        if kind == "lead":
            return (
                f"{year}年，{self.pick(_SUBJ)}{self.pick(_LEAD)}，{self.pick(_ACT)}，"
                f"{self.pick(_RESULT)}。"
            )
        if kind == "stat":
            a, b = self.rng.randint(40, 900), self.rng.randint(2, 60)
            return self.pick(_STAT).format(a=a, b=b) + "。"
        if kind == "list":
            x, y, z = self.rng.sample(_ACT, 3)
            return f"一是{x}；二是{y}；三是{z}。"
        return f"下一步，{self.pick(_SUBJ)}将{self.pick(_ACT)}，推动各项工作再上新台阶。"

    def paragraph(self, year: int, n: int = 2) -> str:
        """``n`` (at most 3) sentences of different kinds, in a natural order."""
        kinds = sorted(
            self.rng.sample(["lead", "stat", "list"], min(n, 3)), key="lead stat list".find
        )
        return "".join(self.sentence(year, k) for k in kinds)


# --------------------------------------------------------------------------- document bodies


def annual_report_blocks(
    gen: TextGen, unit: str, year: int, fmt: int, link_law: bool = False
) -> tuple[list[Block], list[dict[str, str]]]:
    """A 2019/2021-format 政府信息公开工作年度报告: six sections, table 二 as a table."""
    notice = "国办公开办函〔2021〕30号" if fmt == 2021 else "国办公开办函〔2019〕60号"
    law = "《中华人民共和国政府信息公开条例》"
    intro = (
        f"本报告根据{law}（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于印发"
        f"〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{notice}）要求编制，"
        f"由{unit}对{year}年度政府信息公开工作情况进行总结。本报告所列数据的统计期限自"
        f"{year}年1月1日起至{year}年12月31日止。"
    )
    link = (law, "https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm")
    blocks: list[Block] = [Para(intro, link=link if link_law else None)]
    blocks += [Para("一、总体情况", "h"), Para(gen.paragraph(year, 3)), Para(gen.paragraph(year))]
    blocks.append(Para("二、主动公开政府信息情况", "h"))
    if fmt == 2021:
        cols = ("本年制发件数", "本年废止件数", "现行有效件数")
        rows = ("规章", "行政规范性文件")
    else:
        cols = ("本年新制作数量", "本年新公开数量", "对外公开总数量")
        rows = ("规章", "规范性文件")
    rng = gen.rng
    table: list[tuple[str, ...]] = [("信息内容", *cols)]
    figures: list[dict[str, str]] = []
    for row in rows:
        vals = ("0", "0", "0") if row == "规章" else tuple(str(rng.randint(0, 12)) for _ in cols)
        table.append((row, *vals))
        figures += [
            {"table": "二", "row": row, "column": c, "value": v}
            for c, v in zip(cols, vals, strict=True)
        ]
    blocks.append(Table(tuple(table)))
    n_app = rng.randint(0, 9)
    nat = rng.randint(0, n_app)
    blocks += [
        Para("三、收到和处理政府信息公开申请情况", "h"),
        Para(
            f"{year}年，{unit}共收到政府信息公开申请{n_app}件，其中自然人申请{nat}件，"
            f"法人或其他组织申请{n_app - nat}件，均已在法定期限内答复。"
        ),
        Para("四、政府信息公开行政复议、行政诉讼情况", "h"),
        Para(f"{year}年，{unit}未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"),
        Para("五、存在的主要问题及改进情况", "h"),
        Para(
            f"{year}年政府信息公开工作虽然取得了一定成效，但仍存在{'、'.join(rng.sample(_PROBLEM, 2))}"
            "等问题。"
            f"{gen.sentence(year, 'next')}"
        ),
        Para("六、其他需要报告的事项", "h"),
        Para(f"{year}年度{unit}未收取信息处理费。"),
    ]
    return blocks, figures


def notice_blocks(
    gen: TextGen, issuer: str, date: str, topic: tuple[str, str] | None = None
) -> list[Block]:
    purpose, law = topic or gen.rng.choice(_PURPOSES)
    blocks: list[Block] = [
        Para("各乡镇人民政府，区直各部门，各有关单位："),
        Para(f"为{purpose}，根据《{law}》有关规定，结合我区实际，现就有关事项通知如下："),
    ]
    for i, item in enumerate(gen.rng.sample(sorted(_ITEMS), gen.rng.randint(2, 4))):
        blocks += [Para(f"{'一二三四'[i]}、{item}", "h"), Para(_ITEMS[item])]
    blocks += [Para("特此通知。"), Para(issuer, "right"), Para(cn_date(date), "right")]
    return blocks


def regulation_blocks(gen: TextGen, subject: str, issuer: str, written: str) -> list[Block]:
    stem = re.sub(r"(管理)?(暂行)?(办法|细则|方案|规定)$", "", subject)
    stem = stem.removesuffix("实施").removesuffix("管理") or subject
    kind = subject[-2:]
    blocks: list[Block] = [
        Para("各乡镇人民政府，区直各部门："),
        Para(
            f"《红寺堡区{subject}》已经区人民政府第{gen.rng.randint(8, 60)}次常务会议研究同意，"
            "现印发给你们，请结合实际，认真贯彻执行。"
        ),
        Para(issuer, "right"),
        Para(cn_date(written), "right"),
        Para("（此件公开发布）"),
        Para(f"红寺堡区{subject}", "center"),
        Para("第一章　总则", "center"),
        Para(
            f"第一条　为规范和加强{stem}工作，根据有关法律、法规和政策规定，结合本区实际，"
            f"制定本{kind}。"
        ),
        Para(f"第二条　本{kind}适用于本区行政区域内的{stem}相关工作。"),
    ]
    arts = gen.rng.sample(_ARTICLES, gen.rng.randint(3, 6))
    nums = "三四五六七八九十"
    blocks += [Para(f"第{nums[i]}条　{a}") for i, a in enumerate(arts)]
    blocks.append(Para(f"第{nums[len(arts)]}条　本{kind}自印发之日起施行，有效期5年。"))
    return blocks


# --------------------------------------------------------------------------- base documents

SEED_2016 = [
    "2016年，按照红寺堡区委、区政府的工作部署，文化体育旅游局进一步提高认识，充分发挥职能作用，"
    "强化保障措施，规范公开内容，丰富公开形式，突出公开重点，我局在政府信息公开工作中保持了有序"
    "发展的良好态势。现将2016年政府信息公开工作情况报告如下：",
    "一、本年度工作完成情况",
    "（一）完善组织，加强领导，健全政府信息公开工作领导机制。为加强政府信息公开工作的组织领导，"
    "确保政府信息公开工作深入开展，我局由分管领导任组长，办公室主任为副组长，办公室工作人员为"
    "成员，承担日常事务工作，负责指导、协调、组织全局政府信息公开工作。",
    "（二）抓住契机，强化责任，提升政府信息公开规范化水平。2016年，信息公开平台再次升级，我局"
    "紧紧抓住平台升级的契机，按照红寺堡区政府信息公开网目录和技术规范要求，及时主动发布信息，"
    "确保公开内容全面准确、格式规范。",
    "（三）夯实载体，强化基础，政府信息公开工作更高效。截至11月中旬，全局政府网站和局信息公开"
    "网站主动公开政府信息100多条，发布公示公告7条，发布内容质量有明显提高。",
    "二、目前存在问题",
    "2016年我局的政府信息公开工作取得了一定的成绩，但在具体工作中，我们也发现一些困难和不足："
    "一是推进政府信息公开的力度和范围还不足；二是公开内容还需进一步拓展；三是工作力量还需要"
    "进一步加强。",
    "三、2017年工作打算",
    "2017年，我们将紧紧围绕建设服务政府、廉洁政府、高效政府目标，着力在政府信息公开的形式、"
    "内容、渠道等方面狠下功夫，促进政府信息公开工作规范开展。",
]


def _heads(texts: Sequence[str]) -> list[Block]:
    return [
        Para(t, "h") if t[:2] in {"一、", "二、", "三、", "四、", "五、", "六、"} else Para(t)
        for t in texts
    ]


def _att(date: str, serial: int, ext: str, text: str, in_body: bool = False) -> Attachment:
    return Attachment(f"P0{date.replace('-', '')}{serial:06d}.{ext}", text, in_body)


def base_documents() -> list[Doc]:
    """The hand-built documents of the default site (20), each with its traps."""
    docs: list[Doc] = []
    nb, tz, gf = "/xxgk/zfxxgknb/", "/xxgk/tzgg/", "/xxgk/zc/gfxwj/"

    def report(
        doc_id: int, date: str, unit: str, year: int, url_date: str | None = None, **kw: object
    ) -> Doc:
        fmt = 2021 if year >= 2021 else 2019
        blocks, figures = annual_report_blocks(
            TextGen(f"nb{doc_id}"), unit, year, fmt, link_law=bool(kw.pop("link_law", False))
        )
        title = f"吴忠市{unit}{year}年政府信息公开工作年度报告"
        if unit == "红寺堡区人民政府":
            title = f"吴忠市红寺堡区人民政府{year}年政府信息公开工作年度报告"
        d = Doc(doc_path(nb, date, doc_id, url_date), nb, title, date, unit, [blocks], **kw)  # type: ignore[arg-type]
        d.figures = figures
        return d

    a1 = report(
        4635012,
        "2024-03-20",
        "红寺堡区人民政府",
        2023,
        link_law=True,
        meta_pubdate="2024-03-20 10:12",
    )
    a1.traps += ["offsite_body_link", "meta_tags"]
    a2 = report(4601187, "2024-01-25", "红寺堡区农业农村局", 2023, "2024-01-24", layout="fabu_li")
    a2.attachments = [
        _att(
            "2024-01-24",
            351207,
            "pdf",
            "附件1：红寺堡区农业农村局2023年政府信息公开工作年度报告.pdf",
        ),
        _att("2024-01-24", 351208, "docx", "附件2：政府信息公开情况统计表.docx"),
    ]
    a2.traps += ["url_date_differs", "hasFJ"]
    a3 = report(4598843, "2024-01-22", "红寺堡区教育局", 2023)
    a4 = report(4596210, "2024-01-19", "红寺堡区卫生健康局", 2023, body_class="trs_word")
    a4.parts[0].insert(3, Image("W020240119604762859361.png"))
    a4.traps.append("image")
    a5 = report(4023356, "2023-03-28", "红寺堡区人民政府", 2022)
    a5.attachments = [
        _att("2023-03-28", 118830, "pdf", "附件：红寺堡区2022年政府信息公开工作年度报告.pdf")
    ]
    a5.traps.append("hasFJ")
    a6 = report(3958871, "2023-01-30", "红寺堡区财政局", 2022, meta_pubdate="2024-06-11 08:00")
    a6.traps += ["meta_tags", "meta_pubdate_wrong"]
    a7 = report(3312470, "2022-01-27", "红寺堡区民政局", 2021, layout="fabu_li")
    a8 = report(2745519, "2021-03-30", "红寺堡区人民政府", 2020)
    a9 = report(1987654, "2020-01-20", "红寺堡区自然资源局", 2019)
    a10 = Doc(
        doc_path(nb, "2017-10-23", 1121083, "2017-10-24"),
        nb,
        "吴忠市红寺堡区文化体育旅游局2016年政府信息公开工作年度报告",
        "2017-10-23",
        "吴忠市红寺堡区文化体育旅游局",
        [_heads(SEED_2016)],
        crumbs=["区政府各部门", "区文化旅游体育广电局"],
        fj_script=False,
        traps=["url_date_differs", "seed_page"],
    )
    g = TextGen("nb1067430")
    parts: list[list[Block]] = [
        [
            Para(
                "根据《中华人民共和国政府信息公开条例》和自治区、吴忠市有关要求，现将红寺堡区人民"
                "政府2014年政府信息公开工作情况报告如下。本报告由概述，主动公开政府信息情况，依申请"
                "公开政府信息情况，收费及减免情况，行政复议、诉讼情况，存在的问题及改进措施六部分组成。"
            ),
            Para("一、概述", "h"),
            Para(g.paragraph(2014, 3)),
            Para(g.paragraph(2014, 2)),
        ],
        [
            Para("二、主动公开政府信息情况", "h"),
            Para(g.paragraph(2014, 3)),
            Para("三、依申请公开政府信息情况", "h"),
            Para("2014年，全区共受理政府信息公开申请6件，均已按期答复，未发生逾期答复情况。"),
        ],
        [
            Para("四、政府信息公开的收费及减免情况", "h"),
            Para("2014年，我区在政府信息公开工作中未收取任何费用。"),
            Para("五、因政府信息公开申请行政复议、提起行政诉讼的情况", "h"),
            Para("2014年，我区未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"),
            Para("六、存在的主要问题及改进措施", "h"),
            Para(
                "2015年，我区将进一步加大政府信息公开力度，完善政府信息公开制度，"
                "拓宽公开渠道，不断提高政府信息公开工作水平。"
            ),
        ],
    ]
    a11 = Doc(
        doc_path(nb, "2015-10-09", 1067430),
        nb,
        "红寺堡区人民政府2014年政府信息公开工作年度报告",
        "2015-10-09",
        "红寺堡区人民政府办公室",
        parts,
        fj_script=False,
        traps=["multipart"],
    )
    docs += [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]

    # 通知公告
    t1_att = _att(
        "2024-06-05", 520331, "xlsx", "红寺堡区2025年度城乡居民医保个人缴费标准表.xlsx", True
    )
    t1_topic = ("做好2025年度城乡居民基本医疗保险集中参保缴费工作", "中华人民共和国社会保险法")
    t1_body = notice_blocks(TextGen("tz4702231"), "红寺堡区医疗保障局", "2024-06-05", t1_topic)
    t1_body.insert(
        2,
        Table(
            (
                ("参保类别", "个人缴费标准（元/年）", "财政补助标准（元/年）"),
                ("一档", "400", "670"),
                ("二档", "660", "670"),
            )
        ),
    )
    t1_body.append(Para("附件：" + t1_att.text, link=(t1_att.text, "./" + t1_att.name)))
    t1 = Doc(
        doc_path(tz, "2024-06-05", 4702231),
        tz,
        "红寺堡区医疗保障局关于做好2025年度城乡居民基本医疗保险集中参保缴费工作的通知",
        "2024-06-05",
        "红寺堡区医疗保障局",
        [t1_body],
        attachments=[t1_att],
        meta_pubdate="2024-06-05 16:40",
        traps=["body_attachment", "meta_tags", "table"],
    )
    t2_topic = ("扎实做好2024年春季国土绿化工作", "中华人民共和国森林法")
    t2 = Doc(
        doc_path(tz, "2024-03-12", 4623456),
        tz,
        "红寺堡区自然资源局关于做好2024年春季国土绿化工作的通知",
        "2024-03-12",
        "红寺堡区自然资源局",
        [notice_blocks(TextGen("tz4623456"), "红寺堡区自然资源局", "2024-03-12", t2_topic)],
        layout="fabu_li",
        traps=["redirected"],
    )
    t3_body: list[Block] = [
        Para("各中小学、幼儿园："),
        Para(
            "2018年，全区广大教师坚守教育教学一线，爱岗敬业、教书育人，为红寺堡区教育事业发展作出了"
            "积极贡献。为表彰先进、树立典型，经学校推荐、区教育局审核并公示，决定授予王堃、陶喆、"
            "张镕等42名同志“红寺堡区优秀教师”称号，授予马晓燕等18名同志“红寺堡区优秀班主任”称号。"
        ),
        Para(
            "优秀教师：王堃（红寺堡区第一中学）、陶喆（红寺堡区第二小学）、张镕（大河乡中心学校）等。"
        ),
        Para(
            "希望受表彰的同志珍惜荣誉、戒骄戒躁，再创佳绩。全区广大教师要以先进为榜样，"
            "立足岗位、潜心育人，为办好人民满意的教育作出新的更大贡献。"
        ),
        Para("红寺堡区教育局", "right"),
        Para("2018年9月10日", "right"),
    ]
    t3 = Doc(
        doc_path(tz, "2018-09-10", 1156789),
        tz,
        "红寺堡区教育局关于表彰王堃等2018年度优秀教师和优秀班主任的决定",
        "2018-09-10",
        "红寺堡区教育局",
        [t3_body],
        encoding="gb18030",
        fj_script=False,
        traps=["gb18030"],
    )
    docs += [t1, t2, t3]

    # 规范性文件
    def reg(
        doc_id: int,
        date: str,
        written: str,
        subject: str,
        issuer: str,
        doc_no: str,
        topic: str,
        url_date: str | None = None,
        **kw: object,
    ) -> Doc:
        gen = TextGen(f"gf{doc_id}")
        title = f"{issuer}关于印发《红寺堡区{subject}》的通知"
        cat = Catalogue(
            f"11640381MB0A{doc_id % 100000:05d}X/{date[:4]}-{doc_id % 997:05d}",
            topic,
            written,
            doc_no,
        )
        return Doc(
            doc_path(gf, date, doc_id, url_date),
            gf,
            title,
            date,
            issuer,
            [regulation_blocks(gen, subject, issuer, written)],
            catalogue=cat,
            **kw,  # type: ignore[arg-type]
        )

    g1 = reg(
        4698765, "2024-05-20", "2024-05-16", "农村人居环境整治提升五年行动实施方案",
        "吴忠市红寺堡区人民政府办公室", "红政办发〔2024〕15号", "城乡建设、环境保护",
    )  # fmt: skip
    g1.attachments = [
        _att(
            "2024-05-20", 611204, "pdf", "附件1：红寺堡区农村人居环境整治提升五年行动任务清单.pdf"
        ),
        _att(
            "2024-05-20", 611205, "docx", "附件2：红寺堡区农村人居环境整治提升工作责任分工表.docx"
        ),
    ]
    g1.traps += ["two_columns", "hasFJ"]
    g2 = reg(
        4567890, "2023-12-28", "2023-12-25", "城市居民最低生活保障实施细则",
        "吴忠市红寺堡区人民政府", "红政规发〔2023〕3号", "民政、扶贫、救灾",
    )  # fmt: skip
    g2.parts[0].insert(
        9,
        Table(
            (
                ("保障类别", "保障标准（元/人·月）", "执行时间"),
                ("城市低保", "770", "2024年1月1日"),
                ("农村低保", "5520（元/人·年）", "2024年1月1日"),
            )
        ),
    )
    g2.traps.append("table")
    g3 = reg(
        4512345, "2023-10-23", "2023-10-20", "2023年秋冬季农田水利基本建设实施方案",
        "红寺堡区农业农村局", "", "农业、林业、水利",
    )  # fmt: skip
    g3.traps.append("empty_doc_no")
    g4 = reg(
        4087321, "2023-05-12", "2023-05-08", "政府投资项目管理办法",
        "吴忠市红寺堡区人民政府办公室", "红政办规发〔2023〕2号", "综合政务", "2023-05-11",
    )  # fmt: skip
    g4.traps.append("url_date_differs")
    g5 = reg(
        3587412, "2022-08-15", "2022-08-10", "城乡供水管理办法",
        "吴忠市红寺堡区人民政府", "红政发〔2022〕41号", "农业、林业、水利",
        meta_pubdate="2022-08-15 11:05",
    )  # fmt: skip
    g5.traps.append("meta_tags")
    g6 = reg(
        3198765, "2021-11-03", "2021-10-29", "集体经营性建设用地入市管理暂行办法",
        "吴忠市红寺堡区人民政府办公室", "红政办发〔2021〕88号", "国土资源、能源",
        layout="fabu_li", body_class="trs_word",
    )  # fmt: skip
    docs += [g1, g2, g3, g4, g5, g6]
    for d in docs:
        if d.catalogue:
            d.traps.append("catalogue")
        if d.catalogue and d.catalogue.written != d.date:
            d.traps.append("written_date_differs")
    return docs


def hidden_document() -> Doc:
    """The page in the robots-disallowed folder /xxgk/nbzl/."""
    gen = TextGen("nbzl")
    return Doc(
        doc_path("/xxgk/nbzl/", "2024-01-05", 4600001),
        "/xxgk/nbzl/",
        "红寺堡区2024年第一季度政务公开工作内部通报（内部资料）",
        "2024-01-05",
        "红寺堡区人民政府办公室",
        [notice_blocks(gen, "红寺堡区人民政府办公室", "2024-01-05")],
        fj_script=False,
    )


def generated_document(kind: str, column: str, doc_id: int, date: str, seq: int) -> Doc:
    """A generated document for big sites and ``add_documents`` (deterministic by id)."""
    gen = TextGen(f"{kind}{doc_id}")
    rng = gen.rng
    year = int(date[:4])
    layout = "fabu_li" if doc_id % 3 == 0 else "time_source"
    if kind == "nb":
        unit = DEPARTMENTS[seq % len(DEPARTMENTS)]
        blocks, figures = annual_report_blocks(gen, unit, year - 1, 2021 if year > 2021 else 2019)
        d = Doc(
            doc_path(column, date, doc_id),
            column,
            f"吴忠市{unit}{year - 1}年政府信息公开工作年度报告",
            date,
            unit,
            [blocks],
            layout=layout,
        )
        d.figures = figures
        return d
    if kind == "tz":
        issuer = gen.pick(DEPARTMENTS)
        topic = gen.rng.choice(_PURPOSES)
        title = f"{issuer}关于{topic[0].removeprefix('进一步').removeprefix('切实')}的通知"
        return Doc(
            doc_path(column, date, doc_id),
            column,
            title,
            date,
            issuer,
            [notice_blocks(gen, issuer, date, topic)],
            layout=layout,
            meta_pubdate=f"{date} 09:{doc_id % 60:02d}" if doc_id % 4 == 0 else None,
        )
    issuer = "吴忠市红寺堡区人民政府办公室" if doc_id % 2 else "吴忠市红寺堡区人民政府"
    subject = gen.pick(_REG_SUBJECTS)
    abbr = "红政办发" if doc_id % 2 else "红政发"
    written = f"{date[:8]}{max(1, int(date[8:]) - rng.randint(0, 5)):02d}"
    return Doc(
        doc_path(column, date, doc_id),
        column,
        f"{issuer}关于印发《红寺堡区{subject}》的通知",
        date,
        issuer,
        [regulation_blocks(gen, subject, issuer, written)],
        layout=layout,
        catalogue=Catalogue(
            f"11640381MB0A{doc_id % 100000:05d}X/{year}-{seq + 1:05d}",
            "综合政务",
            written,
            f"{abbr}〔{year}〕{seq % 300 + 1}号",
        ),
        # Every fourth one carries its text as a PDF too, linked from the hasFJ script.
        attachments=(
            [Attachment(f"P0{date.replace('-', '')}{doc_id % 1000000:06d}.pdf", f"{subject}.pdf")]
            if doc_id % 4 == 1
            else []
        ),
    )


# --------------------------------------------------------------------------- templates


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def rel(from_path: str, to_path: str) -> str:
    """Relative URL from the page at ``from_path`` to ``to_path`` (both root-relative)."""
    base = from_path.rsplit("/", 1)[0] or "/"
    r = posixpath.relpath(to_path, base)
    if to_path.endswith("/") and not r.endswith("/"):
        r += "/"
    if r == "./":
        return r
    return r if r.startswith("../") else "./" + r


@dataclass(frozen=True)
class Furniture:
    """The parts of every page that change with ``change_footer``/``bump_counters``."""

    footer_epoch: int = 0
    counter_epoch: int = 0


FOOTER_NEW_LINKS = [
    ("https://www.nxzwfw.gov.cn/", "宁夏政务服务网"),
    ("/ggqy/yszc/", "隐私声明"),
    ("https://www.12345.gov.cn/", "12345政务服务便民热线"),
]
FOOTER_OFFSITE = [
    "http://www.nx.gov.cn",
    "http://www.wuzhong.gov.cn/",
    "http://ltq.gov.cn/",
    "http://www.tongxin.gov.cn/",
    "https://www.gov.cn/",
    "https://beian.miit.gov.cn/",
    "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=64030302000010",
    "http://bszs.conac.cn/sitename?method=show&id=09D70AB45E6E5140E053012819ACEA16",
]


def footer_links(epoch: int) -> list[tuple[str, str]]:
    return [FOOTER_NEW_LINKS[i % len(FOOTER_NEW_LINKS)] for i in range(min(epoch, 3))]


def visit_count(path: str, epoch: int) -> int:
    h = zlib.crc32(path.encode())
    return 10000 + h % 80000 + epoch * (7 + h % 13)


def header() -> str:
    return """<div class="row header">
	<div class="cont">
		<div class="logo"><a href="/"><img src="/images/2022_logo.png" alt="吴忠市红寺堡区人民政府" /></a></div>
		<a id="gt_btn" href="javascript:void(0);" class="zzb_wza">无障碍浏览</a>
		<a href="/zzb/" class="zzb_link">长者专区</a>
	</div>
	<div class="nav"><ul>
		<li><a href="/">首页</a></li>
		<li><a href="/zjhsb/">走进红寺堡</a></li>
		<li><a href="/xwzx/">新闻中心</a></li>
		<li class="on"><a href="/xxgk/">政府信息公开</a></li>
		<li><a href="/zwfw/">政务服务</a></li>
		<li><a href="/hdjl/">互动交流</a></li>
	</ul></div>
</div>
"""


def footer(path: str, furn: Furniture) -> str:
    e = furn.footer_epoch
    nav = [
        ("/ggqy/gywm/", "关于我们"),
        ("/ggqy/lxwm_17690/", "联系我们"),
        ("/ggqy/wzdt/", "网站地图"),
    ]
    nav += footer_links(e)
    nav_html = "\n".join(
        f'\t\t\t\t\t\t<li><a target="_blank" href="{esc(u)}">{t}</a></li>' for u, t in nav
    )
    host = "吴忠市红寺堡区人民政府办公室版权所有"
    if e:
        host = f"吴忠市红寺堡区人民政府办公室（第{e}版）　承办单位：红寺堡区融媒体中心"
    return f"""<!-- 底部开始 -->
	<div class="home_footer clearfix">
		<div class="home_footer_link clearfix pc">
			<div class="container"><div class="yqlj_title"><ul class="flex">
				<li><p>国务院各部门网站<em></em><i></i></p><div class="yqlj_con1"><ul>
					<li><a href="https://www.gov.cn/" target="_blank">中国政府网</a></li>
				</ul></div></li>
				<li><p>宁夏各市县政府网站<em></em><i></i></p><div class="yqlj_con1"><ul>
					<li><a href="http://www.nx.gov.cn" target="_blank">宁夏</a></li>
					<li><a href="http://www.wuzhong.gov.cn/" target="_blank">吴忠市人民政府网</a></li>
					<li><a href="http://ltq.gov.cn/" target="_blank">利通区政府网</a></li>
					<li><a href="http://www.tongxin.gov.cn/" target="_blank">同心县政府网</a></li>
				</ul></div></li>
			</ul></div></div>
		</div>
		<div class="home_bottom container clearfix">
			<div class="home_bottom_left">
				<div class="footer-nav">
					<ul>
{nav_html}
					</ul>
				</div>
				<div class="home_bottom_left_links">
					<span>网站标识码：{SITE_ID}</span>
					<a href="https://beian.miit.gov.cn/" target="_blank">宁ICP备11001024号-2</a>
					<span>主办单位：{host}</span>
				</div>
				<div class="home_bottom_left_links">
					<span>联系方式：0953-5098330</span>
					<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=64030302000010" target="_blank">宁公网安备64042402000010号</a>
					<span>Copyright 2009-{2024 + e} 版权所有</span>
					<span>访问量：{visit_count(path, furn.counter_epoch)}</span>
				</div>
			</div>
			<div class="home_bottom_right">
				<span><a target="_blank" href="http://bszs.conac.cn/sitename?method=show&amp;id=09D70AB45E6E5140E053012819ACEA16"><img src="/images/jy_141.png" alt="党政机关标识" /></a></span>
				<span><script id="_jiucuo_" sitecode='{SITE_ID}' src='/images/jiucuo.js'></script></span>
			</div>
		</div>
	</div>
<script id="_trs_ta_js" src="/images/ta.js" async="async" defer="defer"></script>
"""


def page(
    path: str,
    title: str,
    body: str,
    furn: Furniture,
    metas: Sequence[tuple[str, str]] = (),
    charset: str = "utf-8",
) -> str:
    if charset == "utf-8":
        cs = '<meta charset="utf-8">'
    else:
        cs = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    meta = [("SiteName", SITE_NAME), ("SiteDomain", SITE_DOMAIN), ("SiteIDCode", SITE_ID), *metas]
    meta_html = "\n".join(f'\t\t<meta name="{n}" content="{esc(v)}">' for n, v in meta)
    return f"""<!DOCTYPE html>
<html>
	<head>
		{cs}
		<meta name="viewport" content="width=device-width, initial-scale=1">
		<title>{esc(title)}</title>
{meta_html}
		<link rel="stylesheet" href="/images/2022_xxgk.css">
		<script src="/images/jquery.min.js"></script>
	</head>
	<body>
{header()}
{body}
{footer(path, furn)}
	</body>
</html>
"""


def breadcrumb(path: str, crumbs: Sequence[tuple[str, str | None]]) -> str:
    """``您当前的位置:首页 > 政府信息公开 > …``; ``(text, None)`` is an unlinked level."""
    parts = [f'<a href="{rel(path, "/")}">首页</a>']
    for text, href in crumbs:
        parts.append(
            f'<a href="{rel(path, href)}">{esc(text)}</a>' if href else f"<span>{esc(text)}</span>"
        )
    return '<div class="dqwz">您当前的位置:' + " &gt; ".join(parts) + "</div>"


def render_block(b: Block, variant: int) -> str:
    if isinstance(b, Image):
        return (
            f'<p style="text-align: center"><img src="./{b.name}" data-uploadpic="U{b.name[1:]}" '
            f'title="图片1.png" alt="" style="width: 800px;" OLDSRC="{b.name}" /></p>'
        )
    if isinstance(b, Table):
        rows = "".join(
            "<tr>"
            + "".join(f'<td style="border:1px solid #000;">{esc(c)}</td>' for c in row)
            + "</tr>"
            for row in b.rows
        )
        return (
            '<table border="1" cellspacing="0" cellpadding="0" width="100%" '
            f'style="border-collapse:collapse;"><tbody>{rows}</tbody></table>'
        )
    if b.kind == "h":
        return f'<p style="text-indent: 2em;"><strong>{esc(b.text)}</strong></p>'
    if b.kind in ("right", "center"):
        return f'<p style="text-align: {b.kind};">{esc(b.text)}</p>'
    if b.link:
        anchor, href = b.link
        before, _, after = b.text.partition(anchor)
        inner = f'{esc(before)}<a href="{esc(href)}" target="_blank">{esc(anchor)}</a>{esc(after)}'
    elif variant == 1 and "，" in b.text:
        head, _, tail = b.text.partition("，")
        span = f'<span data-index="" style="{FS}">'
        inner = f"{span}{span}{esc(head)}，</span></span>{span}{esc(tail)}</span>"
    else:
        inner = esc(b.text)
    return f'<p style="{FS}">{inner}</p>'


HASFJ_JS = """							<script type="text/javascript">
								var hasFJ='{fj}';
								if(hasFJ!=''){{
									var FJarr=hasFJ.split("<BR/>")
									document.write('<div><p style="color:red;font-weight:600;font-size: 14px;line-height: 30px;margin-bottom: 30px;">附件下载：</p><p style="font-size: 14px;line-height: 30px;margin-bottom: 30px;">');
									for(var i=1;i<=FJarr.length;i++){{
										document.write(i+"."+FJarr[i-1]+"<br/>");
									}}
									document.write('</p></div>');
								}}
							</script>"""


def detail_page(doc: Doc, part: int, column_name: str, furn: Furniture) -> str:
    path = doc.part_paths()[part]
    crumbs: list[tuple[str, str | None]] = [("政府信息公开", "/xxgk/"), (column_name, doc.column)]
    crumbs += [(c, None) for c in doc.crumbs]
    metas: list[tuple[str, str]] = []
    if doc.meta_pubdate:
        metas = [
            ("ArticleTitle", doc.title),
            ("PubDate", doc.meta_pubdate),
            ("ContentSource", doc.source),
        ]
    share = """<span class="info-font">字号:<a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a></span>
						<div class="share"><a class="share-wx" href="javascript:void(0);"></a>
							<div class="share-box"><p>用微信扫描二维码</p><div id="qrcode"></div><p>分享至好友和朋友圈</p><span class="share-close">×</span></div>
						</div>"""
    cat = ""
    if doc.catalogue:
        c = doc.catalogue
        cat = f"""					<div class="xxgk-table"><table class="xxgk_table" cellpadding="0" cellspacing="0"><tbody>
						<tr><td class="td_lable">索 引 号</td><td class="td_content">{esc(c.index_no)}</td><td class="td_lable">主题分类</td><td class="td_content">{esc(c.topic)}</td></tr>
						<tr><td class="td_lable">发布机构</td><td class="td_content">{esc(doc.source)}</td><td class="td_lable">成文日期</td><td class="td_content">{c.written}</td></tr>
						<tr><td class="td_lable">发布日期</td><td class="td_content">{doc.date}</td><td class="td_lable">文　　号</td><td class="td_content">{esc(c.doc_no)}</td></tr>
						<tr><td class="td_lable">标　　题</td><td class="td_content" colspan="3">{esc(doc.title)}</td></tr>
					</tbody></table></div>
"""
    if doc.layout == "fabu_li":
        head = f"""					<h3 class="older-content-title">{esc(doc.title)}</h3>
					<div class="older-contet-fl">
						<ul>
							<li>发布机构：{esc(doc.source)}</li>
							<li>发布日期：{doc.date}</li>
							<li><a href="#" onclick="window.print();">【打印】</a></li>
						</ul>
						{share}
					</div>"""
    else:
        head = f"""					<div class="xl-title"><h2>{esc(doc.title)}</h2></div>
					<div class="xl-info">
						<span class="info-time">时间:{doc.date}</span> <span class="info-source">来源:{esc(doc.source)}</span>
						{share}
					</div>"""
    variant = len(doc.path) % 2 if doc.encoding == "utf-8" else 0
    body = "".join(render_block(b, variant) for b in doc.parts[part])
    extras = ""
    if part == len(doc.parts) - 1 and doc.fj_script:
        fj = "<BR/>".join(
            f'<a href="./{a.name}">{esc(a.text)}</a>' for a in doc.attachments if not a.in_body
        )
        extras = HASFJ_JS.format(fj=fj)
    pager = ""
    if len(doc.parts) > 1:
        pager = (
            '\n\t\t\t\t\t<div class="page" id="page"><script type="text/javascript">'
            f'createPageHTML({len(doc.parts)}, {part}, "{doc.stem}", "html");</script></div>'
        )
    col_link = rel(path, doc.column)
    main = f"""<div class="container bg-white padd xl-main">
			{breadcrumb(path, crumbs)}
			<div class="xl-box">
				<div class="article">
{cat}{head}
					<div class="article-con">
						<div class="view TRS_UEDITOR trs_paper_default {doc.body_class}">{body}<p><br/></p></div>
<!--政策原文开始-->

<!--政策原文结束-->
{extras}{pager}
					</div>
					<div class="article-foot">
						<div class="ewm"><div id="qrcode2"></div><p>扫一扫在手机上查看当前页面</p></div>
						<div class="article-btn"><a href="javascript:window.print();">打印本页</a> <a href="javascript:window.close();">关闭窗口</a></div>
					</div>
					<div class="xglj">
						<div class="xglj-title">相关链接</div>
						<ul>
							<li><a href="{col_link}">{esc(column_name)}</a></li>
							<li><a href="https://www.gov.cn/zhengce/" target="_blank">中国政府网·政策</a></li>
							<li><a href="https://www.nx.gov.cn/zwgk/" target="_blank">宁夏回族自治区人民政府·政务公开</a></li>
						</ul>
					</div>
				</div>
			</div>
		</div>"""
    charset = "gb2312" if doc.encoding != "utf-8" else "utf-8"
    return page(path, f"{column_name}_{doc.title}", main, furn, metas, charset)


PAGER_JS = '<script type="text/javascript" src="/images/createPageHTML.js"></script>'


@dataclass
class ListItem:
    href: str  # root-relative target
    title: str
    date: str


def list_page(
    path: str,
    column: str,
    name: str,
    style: str,
    stem: str,
    page_no: int,
    page_count: int,
    items: Sequence[ListItem],
    nav: Sequence[tuple[str, str]],
    furn: Furniture,
) -> str:
    lis = "\n".join(
        f'\t\t\t\t\t<li><a href="{rel(path, it.href)}" title="{esc(it.title)}" target="_blank">'
        f"{esc(it.title)}</a><span>{it.date}</span></li>"
        for it in items
    )
    if style == "script":
        pager = f"""{PAGER_JS}
				<div class="page"><script type="text/javascript">createPageHTML({page_count}, {page_no}, "{stem}", "html");</script></div>"""
    elif style == "script_id":
        pager = f"""<script type="text/javascript" src="/images/page.js"></script>
				<div class="page" id="page_div"></div>
				<script type="text/javascript">createPageHTML('page_div', {page_count}, {page_no + 1}, '{stem}', 'html');</script>"""
    else:

        def pg(i: int) -> str:
            return f"./{stem}.html" if i == 0 else f"./{stem}_{i}.html"

        prev = f'<a href="{pg(page_no - 1)}">上一页</a>' if page_no > 0 else "<span>上一页</span>"
        nxt = (
            f'<a href="{pg(page_no + 1)}">下一页</a>'
            if page_no < page_count - 1
            else "<span>下一页</span>"
        )
        pager = (
            f'<div class="page"><a href="{pg(0)}">首页</a> {prev} {nxt} '
            f'<a href="{pg(page_count - 1)}">尾页</a> <span>共{page_count}页</span></div>'
        )
    on = ' class="on"'
    nav_html = "\n".join(
        f'\t\t\t\t\t<li{on if href == column else ""}><a href="{rel(path, href)}">{esc(t)}</a></li>'
        for href, t in nav
    )
    body = f"""<div class="container bg-white padd xxgk-list">
			{breadcrumb(path, [("政府信息公开", "/xxgk/"), (name, column)])}
			<div class="xxgk-left">
				<div class="xxgk-left-title">信息公开目录</div>
				<ul class="xxgk-nav">
{nav_html}
				</ul>
			</div>
			<div class="xxgk-right">
				<div class="list-title"><span>{esc(name)}</span></div>
				<ul class="list">
{lis}
				</ul>
				{pager}
			</div>
		</div>"""
    metas = [
        ("ColumnName", name),
        ("ColumnDescription", f"{SITE_NAME}{name}"),
        ("ColumnKeywords", f"{name},政府信息公开"),
        ("ColumnType", name),
    ]
    return page(path, f"{name}_{SITE_NAME}", body, furn, metas)


def simple_page(
    path: str, title: str, content: str, furn: Furniture, crumbs: Sequence[tuple[str, str | None]]
) -> str:
    body = f"""<div class="container bg-white padd">
			{breadcrumb(path, crumbs)}
			<div class="simple-con">
{content}
			</div>
		</div>"""
    return page(path, f"{title}_{SITE_NAME}", body, furn)


NOT_FOUND = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>404-页面不存在</title>
</head>
<body>
<div class="error404" style="text-align:center;margin-top:100px;">
	<img src="/images/404.png" alt="404" />
	<p>抱歉，您访问的页面不存在或已被删除！</p>
	<p><a href="/">返回首页</a></p>
</div>
</body>
</html>
"""

WAF_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>405 - 访问已被拦截</title>
</head>
<body style="background:#f5f5f5;">
<div class="waf-box" style="width:700px;margin:80px auto;background:#fff;padding:40px;">
	<h1 style="color:#c00;">405</h1>
	<p>很抱歉，您的访问请求疑似存在安全威胁，已被网防G01政府网站安全防护平台拦截。</p>
	<p>可能原因：您提交的内容包含危险的攻击请求，或访问频率过高。</p>
	<p>如何解决：1）检查提交内容；2）如网站托管，请联系空间提供商；3）普通网站访客，请联系网站管理员。</p>
	<p class="event">事件ID：{event}</p>
	<p class="brand">网防G01 · 政府网站安全防护</p>
</div>
</body>
</html>
"""

ERROR_PAGE = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""
