"""The staff list import and export (workflow.services.staff_import): XLSX, CSV with and
without BOM and YAML; Vietnamese headers as a personnel office writes them; the diff; moves
and deactivations through the people service; errors naming the row; idempotent; the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, col, select

from tests.conftest import SAMPLE_ORG
from workflow.errors import InvalidInput
from workflow.importer.staff_list import read_staff_list, write_staff_list
from workflow.models import Unit, User
from workflow.services import staff_import
from workflow.services.people import to_reassign
from workflow.services.work_items import ItemSpec, assign
from workflow.settings import get_settings

pytestmark = pytest.mark.integration


def _sample_rows(session: Session) -> list[list[str]]:
    """The sample organisation as the personnel office would type it: unit names, not codes."""
    rows = session.exec(
        select(User, Unit).join(Unit, col(Unit.id) == col(User.unit_id)).order_by(col(User.id))
    ).all()
    return [[u.full_name, u.title or "", unit.name, u.email.upper()] for u, unit in rows]


def _xlsx(rows: list[list[str]], *, headers: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH CÁN BỘ, CÔNG CHỨC SỞ NỘI VỤ"])  # a title row first
    sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows: list[list[str]], *, headers: list[str], bom: bool) -> bytes:
    lines = [",".join(headers), *(",".join(f'"{c}"' for c in r) for r in rows)]
    text = "\n".join(lines) + "\n"
    return text.encode("utf-8-sig" if bom else "utf-8")


HEADERS = ["  HỌ VÀ TÊN ", "Chức vụ", "đơn  vị", "E-mail"]


@pytest.mark.parametrize("kind", ["xlsx", "csv-bom", "csv"])
def test_the_sample_staff_list_is_idempotent_in_every_format(org: Session, kind: str) -> None:
    rows = _sample_rows(org)
    admin = next(r for r in rows if r[3].startswith("ADMIN@"))
    rows.remove(admin)  # the personnel office does not list the service account
    data = (
        _xlsx(rows, headers=HEADERS)
        if kind == "xlsx"
        else _csv(rows, headers=HEADERS, bom=kind == "csv-bom")
    )
    name = "ds.xlsx" if kind == "xlsx" else "ds.csv"
    parsed = read_staff_list(data, filename=name, settings=get_settings())
    assert parsed[0].line == ("row 4" if kind == "xlsx" else "row 2")
    diff = staff_import.preview(session=org, rows=parsed, source=name)
    assert diff.empty and diff.unchanged == len(rows)


def test_added_changed_moved_and_deactivated(org: Session, now: datetime) -> None:
    linh = org.exec(select(User).where(User.username == "cchc.linh")).one()
    cchc = org.get(Unit, linh.unit_id)
    assert cchc is not None
    head = org.exec(select(User).where(User.username == "cchc.truong")).one()
    item = assign(
        session=org,
        now=now,
        actor=head,
        spec=ItemSpec(
            title="Rà soát TTHC",
            lead_unit_id=cchc.id or 0,
            assignee_id=linh.id or 0,
            start_on=date(2026, 3, 2),
            due_working_days=10,
        ),
    )
    rows = [r for r in _sample_rows(org) if not r[3].startswith(("ADMIN@", "CCHC.NAM@"))]
    for r in rows:
        if r[3] == "CCHC.LINH@SONOIVU.EXAMPLE.VN":
            r[2] = "VP Sở"  # moved, named by an alias
        if r[3] == "TT.BINH@SONOIVU.EXAMPLE.VN":
            r[1] = "Thanh tra viên chính"
    rows.append(["Nguyễn Văn Mới", "Trưởng phòng", "Phòng Xây dựng chính quyền", "moi.nv@x.vn"])
    rows.append(["Trần Thị Hai", "Chuyên viên", "cchc", "hai.tt@x.vn"])  # the unit's code
    data = _xlsx(rows, headers=HEADERS)
    parsed = read_staff_list(data, filename="ds.xlsx", settings=get_settings())
    diff = staff_import.preview(session=org, rows=parsed, source="ds.xlsx")
    assert [(a.username, a.unit, a.role) for a in diff.added] == [
        ("moi.nv", "XDCQ", "unit_head"),
        ("hai.tt", "CCHC", "officer"),
    ]
    assert [(c.username, c.changes) for c in diff.changed] == [
        ("tt.binh", {"title": ["Thanh tra viên", "Thanh tra viên chính"]})
    ]
    assert [(m.username, m.from_unit, m.to_unit) for m in diff.moved] == [
        ("cchc.linh", "CCHC", "VP")
    ]
    assert [d.username for d in diff.deactivated] == ["cchc.nam"]

    done = staff_import.apply(session=org, now=now, actor=None, rows=parsed, source="ds.xlsx")
    assert done.handed_over == 1
    assert [i.id for i in to_reassign(session=org, head=head)] == [item.id]
    nam = org.exec(select(User).where(User.username == "cchc.nam")).one()
    assert nam.is_active is False
    again = staff_import.preview(session=org, rows=parsed, source="ds.xlsx")
    assert again.empty


def test_errors_name_every_row_and_nothing_is_written(org: Session, now: datetime) -> None:
    rows = _sample_rows(org)
    rows.append(["Lê Văn A", "Chuyên viên", "Phòng Không Có", "a@x.vn"])
    rows.append(["", "Chuyên viên", "Văn phòng", "b@x.vn"])
    rows.append(["Lê Văn C", "Chuyên viên", "Văn phòng", "khong-phai-email"])
    rows.append(["Lê Văn D", "Chuyên viên", "Các phòng chuyên môn", "d@x.vn"])
    parsed = read_staff_list(
        _xlsx(rows, headers=HEADERS), filename="x.xlsx", settings=get_settings()
    )
    before = len(org.exec(select(User)).all())
    with pytest.raises(InvalidInput) as refused:
        staff_import.apply(session=org, now=now, actor=None, rows=parsed, source="x.xlsx")
    message = str(refused.value)
    n = len(rows) + 3  # the title rows and the header
    assert f"row {n - 3}: unit 'Phòng Không Có': unknown unit or group (nearest:" in message
    assert f"row {n - 2}: 'Họ và tên' is empty" in message
    assert f"row {n - 1}: e-mail 'khong-phai-email' is not an address" in message
    assert f"row {n}: unit 'Các phòng chuyên môn' names a group of units, not one" in message
    assert len(org.exec(select(User)).all()) == before


def test_headers_and_sizes(org: Session) -> None:
    settings = get_settings()
    with pytest.raises(InvalidInput, match="no header row"):
        read_staff_list(
            _xlsx([["a"]], headers=["Tên", "Phòng"]), filename="a.xlsx", settings=settings
        )
    with pytest.raises(InvalidInput, match=r"an \.xlsx, \.csv or \.yaml"):
        read_staff_list(b"x", filename="a.pdf", settings=settings)
    big = b"x" * (settings.yaml_max_bytes + 1)
    with pytest.raises(InvalidInput, match="over the limit"):
        read_staff_list(big, filename="a.csv", settings=settings)
    with pytest.raises(InvalidInput, match="not a readable XLSX"):
        read_staff_list(b"PK\x03\x04 broken", filename="a.xlsx", settings=settings)
    # Today's YAML: its users are the list.
    parsed = read_staff_list(SAMPLE_ORG.read_bytes(), filename="org.yaml", settings=settings)
    assert staff_import.preview(session=org, rows=parsed, source="org.yaml").empty


def test_export_reads_back_unchanged(org: Session) -> None:
    rows = staff_import.export_rows(session=org)
    for name in ("ds.xlsx", "ds.csv"):
        data = write_staff_list(rows, filename=name)
        parsed = read_staff_list(data, filename=name, settings=get_settings())
        assert staff_import.preview(session=org, rows=parsed, source=name).empty
    book = load_workbook(io.BytesIO(write_staff_list(rows, filename="x.xlsx")))
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:4] == ["Họ và tên", "Chức vụ", "Đơn vị", "Email"]


def test_the_cli_dry_run_then_import(embedded_db: str, tmp_path: Path) -> None:
    env_python = sys.executable

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [env_python, "-m", "api.cli", *args], capture_output=True, text=True, check=False
        )

    export = tmp_path / "ds.xlsx"
    assert cli("org", "export", str(export)).returncode == 0
    book = load_workbook(export)
    sheet = book.active
    assert sheet is not None
    sheet.append(["Phạm Thị Mới", "Chuyên viên", "Thanh tra Sở", "moi.pt@x.vn"])
    book.save(export)
    dry = cli("org", "import", str(export), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["counts"]["added"] == 1
    done = cli("org", "import", str(export))
    assert done.returncode == 0 and "1 added, 0 changed, 0 moved, 0 deactivated" in done.stdout
    again = cli("org", "import", str(export))
    assert "0 added, 0 changed, 0 moved, 0 deactivated" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("Họ và tên,Đơn vị,Email\nA,Không có,a@x.vn\n", encoding="utf-8")
    refused = cli("org", "import", str(bad))
    assert refused.returncode == 2 and "row 2: unit 'Không có'" in refused.stderr
