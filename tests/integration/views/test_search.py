"""Search over items, plan tasks, comments and evidence: diacritics, ranking, visibility, on
PostgreSQL (tsvector through unaccent) and SQLite (FTS5)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, select

from tests.integration.api.conftest import make_item, user_named
from workflow.errors import InvalidInput
from workflow.models import Area, Comment, Evidence, Plan, PlanTask
from workflow.search_index import rebuild
from workflow.services.search import search


def _titles(session: Session, username: str, query: str) -> list[str]:
    user = user_named(session, username)
    return [h.title for h in search(session=session, user=user, query=query).hits]


def _plan_task(session: Session, now: datetime, text: str, product: str | None = None) -> PlanTask:
    plan = Plan(key="kh-test", title="Kế hoạch cải cách hành chính 2026", imported_at=now)
    session.add(plan)
    session.flush()
    area = Area(plan_id=plan.id or 0, number=1, title="Cải cách thể chế")
    session.add(area)
    session.flush()
    task = PlanTask(
        plan_id=plan.id or 0,
        area_id=area.id or 0,
        key="1.1",
        position=0,
        text=text,
        product=product,
    )
    session.add(task)
    session.flush()
    return task


def test_diacritics_and_d_fold(db: Session, now: datetime) -> None:
    make_item(
        db,
        now=now,
        lead="CCHC",
        assignee="cchc.linh",
        assigner="cchc.truong",
        title="Số hóa hồ sơ thủ tục hành chính",
    )
    make_item(
        db,
        now=now,
        lead="CCHC",
        assignee="cchc.linh",
        assigner="cchc.truong",
        title="Đăng ký kinh doanh trực tuyến",
    )
    make_item(
        db,
        now=now,
        lead="CCHC",
        assignee="cchc.linh",
        assigner="cchc.truong",
        title="Rà soát quy chế",
    )
    assert _titles(db, "cchc.linh", "so hoa") == ["Số hóa hồ sơ thủ tục hành chính"]
    assert _titles(db, "cchc.linh", "dang ky") == ["Đăng ký kinh doanh trực tuyến"]
    assert _titles(db, "cchc.linh", "ĐĂNG KÝ") == ["Đăng ký kinh doanh trực tuyến"]
    # Prefixes: the start of a word finds it.
    assert _titles(db, "cchc.linh", "thu tuc hanh") == ["Số hóa hồ sơ thủ tục hành chính"]
    assert _titles(db, "cchc.linh", "cai cach") == []


def test_ranking_phrase_then_title_then_body(db: Session, now: datetime) -> None:
    kw = {"lead": "CCHC", "assignee": "cchc.linh", "assigner": "cchc.truong"}
    apart = make_item(db, now=now, title="Cách làm báo cáo cải tiến", **kw)
    body = make_item(db, now=now, title="Báo cáo quý", **kw)
    body.description = "Tổng hợp kết quả cải cách hành chính của Sở"
    db.add(body)
    title = make_item(db, now=now, title="Cải cách thủ tục hành chính", **kw)
    db.flush()
    found = _titles(db, "cchc.linh", "cai cach")
    # The phrase in the title, then the phrase in the description, then the words apart.
    assert found == [title.title, body.title, apart.title]


def test_comments_evidence_and_tasks_are_found(db: Session, now: datetime) -> None:
    item = make_item(
        db,
        now=now,
        lead="CCHC",
        assignee="cchc.linh",
        assigner="cchc.truong",
        title="Báo cáo quý I",
    )
    author = user_named(db, "cchc.truong")
    db.add(
        Comment(
            work_item_id=item.id or 0,
            author_id=author.id or 0,
            body="Bổ sung số liệu về dịch vụ công trực tuyến",
            created_at=now,
        )
    )
    db.add(
        Evidence(
            work_item_id=item.id or 0,
            uploaded_by_id=author.id or 0,
            filename="Biên bản kiểm tra.pdf",
            created_at=now,
        )
    )
    _plan_task(db, now, "Đẩy mạnh chuyển đổi số trong cơ quan", product="Quyết định phê duyệt")
    db.flush()
    linh = user_named(db, "cchc.linh")
    hits = search(session=db, user=linh, query="dich vu cong").hits
    assert [(h.kind, h.work_item_id) for h in hits] == [("comment", item.id)]
    assert ("dịch", True) in hits[0].excerpt.parts
    hits = search(session=db, user=linh, query="bien ban").hits
    assert [(h.kind, h.title) for h in hits] == [("evidence", "Biên bản kiểm tra.pdf")]
    hits = search(session=db, user=linh, query="chuyen doi so").hits
    assert [(h.kind, h.title) for h in hits] == [("task", "Đẩy mạnh chuyển đổi số trong cơ quan")]
    assert search(session=db, user=linh, query="chuyen", kinds=["item"]).hits == []


def test_officer_finds_nothing_of_another_unit(db: Session, now: datetime) -> None:
    mine = make_item(
        db,
        now=now,
        lead="CCHC",
        assignee="cchc.linh",
        assigner="cchc.truong",
        title="Kiểm soát thủ tục hành chính CCHC",
    )
    other = make_item(
        db,
        now=now,
        lead="TCBC",
        assignee="tcbc.hoa",
        assigner="tcbc.truong",
        title="Kiểm soát thủ tục hành chính TCBC",
    )
    db.add(
        Comment(
            work_item_id=other.id or 0,
            author_id=other.assignee_id,
            body="kiểm soát nội bộ",
            created_at=now,
        )
    )
    db.add(
        Evidence(
            work_item_id=other.id or 0,
            uploaded_by_id=other.assignee_id,
            filename="kiem-soat.docx",
            created_at=now,
        )
    )
    db.flush()
    linh = user_named(db, "cchc.linh")
    hits = search(session=db, user=linh, query="kiem soat").hits
    assert {h.work_item_id for h in hits} == {mine.id}
    hoa = user_named(db, "tcbc.hoa")
    kinds = sorted(h.kind for h in search(session=db, user=hoa, query="kiem soat").hits)
    assert kinds == ["comment", "evidence", "item"]
    director = user_named(db, "gd.minh")
    assert len(search(session=db, user=director, query="kiem soat").hits) == 4
    # A supporting unit's officer sees the item (and its comment) once CCHC supports it.
    from workflow.models import Unit, WorkItemUnit

    cchc = db.exec(select(Unit).where(Unit.code == "CCHC")).one()
    db.add(WorkItemUnit(work_item_id=other.id or 0, unit_id=cchc.id or 0, role="support"))
    db.flush()
    assert len(search(session=db, user=linh, query="kiem soat").hits) == 4


def test_edits_and_deletes_follow(db: Session, now: datetime) -> None:
    item = make_item(
        db,
        now=now,
        lead="CCHC",
        assignee="cchc.linh",
        assigner="cchc.truong",
        title="Tuyên truyền cải cách",
    )
    assert _titles(db, "cchc.linh", "tuyen truyen") == ["Tuyên truyền cải cách"]
    item.title = "Phổ biến pháp luật"
    db.add(item)
    db.flush()
    assert _titles(db, "cchc.linh", "tuyen truyen") == []
    assert _titles(db, "cchc.linh", "pho bien") == ["Phổ biến pháp luật"]
    comment = Comment(
        work_item_id=item.id or 0,
        author_id=item.assignee_id,
        body="Hội nghị trực tuyến",
        created_at=now,
    )
    db.add(comment)
    db.flush()
    assert _titles(db, "cchc.linh", "hoi nghi") == ["Phổ biến pháp luật"]
    db.delete(comment)
    db.flush()
    assert _titles(db, "cchc.linh", "hoi nghi") == []
    # Rebuilding the whole index finds the same.
    assert rebuild(session=db) >= 1
    assert _titles(db, "cchc.linh", "pho bien") == ["Phổ biến pháp luật"]


def test_bad_queries_are_refused(db: Session) -> None:
    linh = user_named(db, "cchc.linh")
    with pytest.raises(InvalidInput, match="at least one word"):
        search(session=db, user=linh, query=" ,.;- ")
    with pytest.raises(InvalidInput, match="longer than"):
        search(session=db, user=linh, query="a" * 201)
    # Characters that mean something to the engines' query languages are only text.
    assert search(session=db, user=linh, query='"a* & b | !c (d) NEAR/2 :*').hits == []


def test_reindex_command(embedded_db: str, now: datetime) -> None:
    """`planflow search reindex` rebuilds the SQLite index from the rows themselves."""
    from sqlalchemy import text
    from typer.testing import CliRunner

    from api.cli import app
    from workflow.db import session_scope

    with session_scope() as s:
        make_item(
            s,
            now=now,
            lead="CCHC",
            assignee="cchc.linh",
            assigner="cchc.truong",
            title="Chuyển đổi số",
        )
    with session_scope() as s:
        s.connection().execute(text("DELETE FROM search_fts"))
        s.connection().execute(text("DELETE FROM search_entry"))
    with session_scope() as s:
        assert _titles(s, "cchc.linh", "chuyen doi") == []
    result = CliRunner().invoke(app, ["search", "reindex"])
    assert result.exit_code == 0 and "1 object(s) indexed" in result.output
    with session_scope() as s:
        assert _titles(s, "cchc.linh", "chuyen doi") == ["Chuyển đổi số"]


def test_upgrading_a_database_with_data_fills_an_empty_index(
    embedded_db: str, now: datetime
) -> None:
    """A database that had items before the index's revision gets them indexed by the
    upgrade (workflow.migrate runs search_index.index_if_empty after the revisions)."""
    from sqlalchemy import text

    from workflow.db import session_scope
    from workflow.migrate import upgrade

    with session_scope() as s:
        make_item(
            s,
            now=now,
            lead="CCHC",
            assignee="cchc.linh",
            assigner="cchc.truong",
            title="Chuẩn hóa quy trình",
        )
    with session_scope() as s:
        s.connection().execute(text("DELETE FROM search_fts"))
        s.connection().execute(text("DELETE FROM search_entry"))
    upgrade(embedded_db)
    with session_scope() as s:
        assert _titles(s, "cchc.linh", "chuan hoa") == ["Chuẩn hóa quy trình"]
