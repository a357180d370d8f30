"""Text from attachment files: real PDF, Word, Excel and OFD files, broken ones, and the
guarantee that reading a file never raises."""

from __future__ import annotations

import random
import zipfile
from io import BytesIO

import pytest

from scraper.extract.files import MAX_PDF_PAGES, file_text, sniff
from scraper.replica.files import docx_with_text, pdf_with_text, xlsx_with_rows

REPORT = ["红寺堡区2023年政府信息公开工作年度报告", "一、总体情况", "主动公开政府信息1234条。"]


def test_pdf_text_in_reading_order():
    assert file_text(pdf_with_text(REPORT)) == "\n".join(REPORT)


def test_pdf_with_junk_before_its_header_is_still_a_pdf():
    assert sniff(b"\r\n" + pdf_with_text(REPORT)) == "pdf"
    assert file_text(b"\r\n" + pdf_with_text(REPORT)) == "\n".join(REPORT)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_pdf_encrypted_with_an_empty_user_password_is_read(algorithm):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf_with_text(REPORT))))
    writer.encrypt(user_password="", owner_password="owner", algorithm=algorithm)
    out = BytesIO()
    writer.write(out)
    assert b"/Encrypt" in out.getvalue()
    assert file_text(out.getvalue()) == "\n".join(REPORT)


def test_docx_paragraphs_then_table_rows():
    raw = docx_with_text(
        ["关于印发《实施办法》的通知", "各乡镇人民政府："], [["序号", "事项"], ["1", "农村供水"]]
    )
    assert file_text(raw) == "关于印发《实施办法》的通知\n各乡镇人民政府：\n序号\t事项\n1\t农村供水"


def test_xlsx_rows_with_the_sheet_name():
    raw = xlsx_with_rows(
        "缴费标准", [["档次", "金额（元）"], ["一档", 380], [None, None], ["二档", 450]]
    )
    assert file_text(raw) == "缴费标准\n档次\t金额（元）\n一档\t380\n二档\t450"


OFD_NS = "http://www.ofdspec.org/2016"


def ofd_file(pages: dict[int, str], order: list[int] | None = None) -> bytes:
    """An OFD package as GB/T 33190 lays it out: OFD.xml naming Doc_0/Document.xml, which
    lists the pages (in ``order``), and one Content.xml per page of positioned text runs."""
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    listed = "".join(
        f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
        for n in (order if order is not None else sorted(pages))
    )
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            "OFD.xml",
            f'{declaration}<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>a1</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        package.writestr(
            "Doc_0/Document.xml",
            f'{declaration}<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
            "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
            f"</ofd:CommonData><ofd:Pages>{listed}</ofd:Pages></ofd:Document>",
        )
        for number, content in pages.items():
            data = content.encode("gbk") if "GBK" in content[:60] else content.encode()
            package.writestr(f"Doc_0/Pages/Page_{number}/Content.xml", data)
    return out.getvalue()


def page(*runs: tuple[float, float, str]) -> str:
    objects = "".join(
        f'<ofd:TextObject ID="{i}" Boundary="{x} {y} 40 5" Font="3" Size="4.2">'
        f'<ofd:TextCode X="0" Y="4">{text}</ofd:TextCode></ofd:TextObject>'
        for i, (x, y, text) in enumerate(runs)
    )
    return (
        f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="1">{objects}'
        "</ofd:Layer></ofd:Content></ofd:Page>"
    )


def test_ofd_pages_follow_document_xml_and_codes_break_lines():
    two_lines = (
        f'<?xml version="1.0" encoding="GBK"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
        '<ofd:Layer ID="1"><ofd:TextObject ID="1" Boundary="20 30 150 20" Size="4">'
        '<ofd:TextCode X="0" Y="4">第一行末尾</ofd:TextCode>'
        '<ofd:TextCode X="0" Y="12">第二行开头</ofd:TextCode>'
        "</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
    )
    raw = ofd_file({7: page((20, 30, "封面")), 3: two_lines}, order=[7, 3])
    assert file_text(raw) == "封面\n\n第一行末尾\n第二行开头"


def test_ofd_text_by_lines_and_pages():
    raw = ofd_file(
        {
            # Runs stored out of order and split mid-line, as producers do.
            0: page((60, 30, "工作年度报告"), (20, 30, "政府信息公开"), (20, 45, "一、总体情况")),
            10: page((20, 30, "第十一页")),
            2: page((20.5, 30.4, "第三页"), (50, 30, "续")),
        }
    )
    assert sniff(raw) == "ofd"
    assert file_text(raw) == "政府信息公开工作年度报告\n一、总体情况\n\n第三页续\n\n第十一页"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old binary .doc",
        b"%PDF-1.4\nnot really a pdf",
        b"PK\x03\x04 a broken zip",
        b"\x89PNG\r\n\x1a\n",
    ],
    ids=["empty", "ole-doc", "fake-pdf", "broken-zip", "png"],
)
def test_files_without_readable_text_give_none(raw):
    assert file_text(raw) is None


def test_a_zip_that_is_no_office_file_gives_none():
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "附件")
    assert sniff(out.getvalue()) is None


def test_damaged_files_never_raise():
    rng = random.Random(7)
    good = [
        pdf_with_text(REPORT),
        docx_with_text(REPORT),
        xlsx_with_rows("表", [["甲", 1]]),
        ofd_file({0: page((0, 0, "甲"))}),
    ]
    for _ in range(120):
        raw = bytearray(rng.choice(good))
        for _ in range(rng.randrange(1, 8)):
            at = rng.randrange(len(raw))
            raw[at : at + rng.randrange(1, 40)] = rng.randbytes(rng.randrange(0, 40))
        result = file_text(bytes(raw))
        assert result is None or isinstance(result, str)


def test_long_pdfs_are_read_up_to_the_page_cap(monkeypatch):
    from pypdf import PdfReader, PdfWriter

    one = PdfReader(BytesIO(pdf_with_text(["第一页"])))
    writer = PdfWriter()
    for _ in range(5):
        writer.add_page(one.pages[0])
    out = BytesIO()
    writer.write(out)
    monkeypatch.setattr("scraper.extract.files.MAX_PDF_PAGES", 3)
    assert file_text(out.getvalue()) == "第一页\n\n第一页\n\n第一页"
    assert MAX_PDF_PAGES >= 100


def test_a_zip_bomb_is_not_unpacked(monkeypatch):
    raw = docx_with_text(["正文"])
    assert file_text(raw) == "正文"
    monkeypatch.setattr("scraper.extract.files.MAX_UNZIPPED_BYTES", 10_000)
    assert sniff(raw) == "docx" and file_text(raw) is None  # recognised, not unpacked


def test_xlsx_padded_sheets_and_every_sheet_are_read():
    from openpyxl import Workbook
    from openpyxl.styles import Border, Side

    workbook = Workbook()
    cover = workbook.active
    assert cover is not None
    cover.title = "封面"
    cover["A1"] = "标题"
    cover["A4900"] = "注：本表由区财政局提供"
    cover["AZ5000"].border = Border(left=Side(style="thin"))  # styling stretches the sheet
    names = workbook.create_sheet("名单")
    names.append(["姓名", "单位"])
    names.append(["王堃", "红寺堡区第一小学"])
    out = BytesIO()
    workbook.save(out)
    assert file_text(out.getvalue()) == (
        "封面\n标题\n注：本表由区财政局提供\n\n名单\n姓名\t单位\n王堃\t红寺堡区第一小学"
    )


def test_a_zip_holding_pdfs_is_not_taken_for_a_pdf():
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as package:
        package.writestr("甲.pdf", pdf_with_text(["甲"]))
    assert b"%PDF-" in out.getvalue()[:1024]
    assert sniff(out.getvalue()) is None
