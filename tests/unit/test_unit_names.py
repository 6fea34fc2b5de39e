"""The unit name resolver (workflow.importer.unit_names) on a directory built in memory, and
the task table's unit cells split into names (commas inside group phrases kept)."""

from __future__ import annotations

import pytest

from workflow.importer.table import split_units
from workflow.importer.text import fold
from workflow.importer.unit_names import Directory, GroupDef, Resolved, UnitInfo, Unresolved
from workflow.models.org import GroupRule

UNITS = [
    UnitInfo(id=None, code="BGD", name="Ban Giám đốc", kind="board"),
    UnitInfo(id=None, code="VP", name="Văn phòng", name_en="Office", kind="office"),
    UnitInfo(id=None, code="TTRA", name="Thanh tra", kind="inspectorate"),
    UnitInfo(id=None, code="TCBC", name="Phòng Tổ chức biên chế", kind="division"),
    UnitInfo(id=None, code="CCHC", name="Phòng Cải cách hành chính", kind="division"),
    UnitInfo(id=None, code="BTG", name="Ban Tôn giáo", kind="subdepartment"),
    UnitInfo(id=None, code="VTLT", name="Chi cục Văn thư - Lưu trữ", kind="subdepartment"),
    UnitInfo(id=None, code="TTLT", name="Trung tâm Lưu trữ lịch sử", kind="public_service"),
]
GROUPS = [
    GroupDef(
        code="TO_KT",
        name="Tổ kiểm tra công vụ",
        name_en=None,
        rule=GroupRule.UNITS,
        codes=("CCHC", "VP", "TTRA"),
    )
]
ALIASES = {
    "VP Sở": "VP",
    "Tổ kiểm tra CCHC": "TO_KT",
    "Các đơn vị có liên quan đến TTHC": "kind:division",
}
NOT_BOARD = ("VP", "TTRA", "TCBC", "CCHC", "BTG", "VTLT", "TTLT")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory(units=UNITS, groups=GROUPS, aliases=ALIASES)


@pytest.mark.parametrize(
    ("name", "codes", "group"),
    [
        # a unit by its code or its name, any case, any diacritics, any spacing
        ("CCHC", ("CCHC",), None),
        ("cchc", ("CCHC",), None),
        ("Phòng Cải cách hành chính", ("CCHC",), None),
        ("PHÒNG CẢI CÁCH  HÀNH CHÍNH", ("CCHC",), None),
        ("Phong Cai cach hanh chinh", ("CCHC",), None),
        ("Office", ("VP",), None),
        # an alias
        ("VP Sở", ("VP",), None),
        ("vp so", ("VP",), None),
        # the bare name, without its type word or a trailing "Sở"
        ("Cải cách hành chính", ("CCHC",), None),
        ("Phòng CCHC", ("CCHC",), None),
        ("Văn phòng Sở", ("VP",), None),
        ("Thanh tra Sở", ("TTRA",), None),
        ("Tôn giáo", ("BTG",), None),
        # an organisation group by its name, code or alias
        ("Tổ kiểm tra công vụ", ("VP", "TTRA", "CCHC"), "TO_KT"),
        ("TO_KT", ("VP", "TTRA", "CCHC"), "TO_KT"),
        ("Tổ kiểm tra CCHC", ("VP", "TTRA", "CCHC"), "TO_KT"),
        # every unit of the agency but the board
        ("Các phòng, đơn vị thuộc Sở", NOT_BOARD, "all"),
        ("các phòng, ban, đơn vị", NOT_BOARD, "all"),
        ("Các phòng, ban, đơn vị thuộc Sở", NOT_BOARD, "all"),
        ("Các cơ quan, đơn vị thuộc Sở", NOT_BOARD, "all"),
        ("Các cơ quan, đơn vị thuộc Sở Nội vụ", NOT_BOARD, "all"),
        ("Các đơn vị thuộc Sở", NOT_BOARD, "all"),
        ("Các đơn vị trực thuộc Sở", NOT_BOARD, "all"),
        ("Các phòng và đơn vị trực thuộc", NOT_BOARD, "all"),
        ("Tất cả các phòng, đơn vị", NOT_BOARD, "all"),
        ("Cac phong, don vi thuoc So", NOT_BOARD, "all"),
        # every unit of a kind
        ("Các phòng chuyên môn", ("TCBC", "CCHC"), "kind:division"),
        ("Các phòng chuyên môn, nghiệp vụ", ("TCBC", "CCHC"), "kind:division"),
        ("Các phòng chuyên môn thuộc Sở", ("TCBC", "CCHC"), "kind:division"),
        ("Các đơn vị sự nghiệp", ("TTLT",), "kind:public_service"),
        ("Các đơn vị sự nghiệp công lập thuộc Sở", ("TTLT",), "kind:public_service"),
        ("Các chi cục", ("BTG", "VTLT"), "kind:subdepartment"),
        ("Các phòng thuộc Sở", ("VP", "TTRA", "TCBC", "CCHC"), "kind:rooms"),
        # a vague phrase the coordinator mapped: the alias decides
        ("Các đơn vị có liên quan đến TTHC", ("TCBC", "CCHC"), "kind:division"),
    ],
)
def test_names_resolve(
    directory: Directory, name: str, codes: tuple[str, ...], group: str | None
) -> None:
    found = directory.resolve(name)
    assert isinstance(found, Resolved), found
    assert tuple(u.code for u in found.units) == codes
    assert (found.group.code if found.group else None) == group


@pytest.mark.parametrize(
    "name",
    [
        "Các đơn vị liên quan",
        "Các cơ quan liên quan",
        "Các cơ quan, đơn vị có liên quan",
        "Các phòng, đơn vị liên quan",
        "Các đơn vị khác",
        "Các đơn vị theo chức năng, nhiệm vụ",
    ],
)
def test_vague_phrases_are_never_guessed(directory: Directory, name: str) -> None:
    found = directory.resolve(name)
    assert isinstance(found, Unresolved) and found.reason == "vague"
    assert len(found.nearest) == 3


@pytest.mark.parametrize(
    ("name", "nearest"),
    [
        ("Phòng Tư pháp", "Phòng Tổ chức biên chế"),
        ("Phòng Cải cách hành chánh", "Phòng Cải cách hành chính"),
        ("Van phong so 2", "Văn phòng"),
        ("Tổ kiểm tra", "Tổ kiểm tra CCHC"),
    ],
)
def test_unknown_names_come_with_the_three_nearest(
    directory: Directory, name: str, nearest: str
) -> None:
    found = directory.resolve(name)
    assert isinstance(found, Unresolved) and found.reason == "unknown"
    assert len(found.nearest) == 3 and nearest in found.nearest
    assert len({fold(n) for n in found.nearest}) == 3


def test_the_nearest_name_comes_first(directory: Directory) -> None:
    found = directory.resolve("Phòng Cải cách hành chánh")
    assert isinstance(found, Unresolved) and found.nearest[0] == "Phòng Cải cách hành chính"


def test_a_group_without_units_is_unresolved() -> None:
    directory = Directory(units=UNITS[:3])
    found = directory.resolve("Các đơn vị sự nghiệp")
    assert isinstance(found, Unresolved) and found.reason == "empty"
    assert "without any unit" in found.describe()


def test_the_board_joins_only_a_group_that_lists_it() -> None:
    listed = GroupDef(
        code="LD", name="Lãnh đạo", name_en=None, rule=GroupRule.UNITS, codes=("BGD", "VP")
    )
    directory = Directory(units=UNITS, groups=[listed])
    found = directory.resolve("Lãnh đạo")
    assert isinstance(found, Resolved) and [u.code for u in found.units] == ["BGD", "VP"]
    everyone = directory.resolve("Các phòng, đơn vị thuộc Sở")
    assert isinstance(everyone, Resolved) and "BGD" not in [u.code for u in everyone.units]


def test_empty_name_is_unknown(directory: Directory) -> None:
    found = directory.resolve(" , ")
    assert isinstance(found, Unresolved) and found.reason == "unknown"


def test_describe_names_the_row_and_nearest() -> None:
    missing = Unresolved(name="Phòng X", reason="unknown", nearest=("A", "B", "C"), loc="row 4")
    assert missing.describe() == "row 4: 'Phòng X': unknown unit or group (nearest: A, B, C)"
    assert missing.as_json() == {
        "name": "Phòng X",
        "loc": "row 4",
        "reason": "unknown",
        "nearest": ["A", "B", "C"],
    }


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Các phòng, đơn vị thuộc Sở", ["Các phòng, đơn vị thuộc Sở"]),
        ("Các phòng, ban, đơn vị; VP Sở", ["Các phòng, ban, đơn vị", "VP Sở"]),
        ("Các cơ quan, đơn vị liên quan", ["Các cơ quan, đơn vị liên quan"]),
        ("Văn phòng, Thanh tra", ["Văn phòng", "Thanh tra"]),
        ("Phòng CCHC, các phòng chuyên môn", ["Phòng CCHC", "các phòng chuyên môn"]),
        (
            "Các phòng chuyên môn, các đơn vị sự nghiệp",
            ["Các phòng chuyên môn", "các đơn vị sự nghiệp"],
        ),
        ("Các phòng chuyên môn, Văn phòng", ["Các phòng chuyên môn", "Văn phòng"]),
        ("- VP\n- TTRA", ["VP", "TTRA"]),
        ("Văn phòng;; TCBC", ["Văn phòng", "TCBC"]),
    ],
)
def test_unit_cells_split_into_names(cell: str, names: list[str]) -> None:
    assert split_units(cell) == names
