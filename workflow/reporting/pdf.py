"""DOCX → PDF through LibreOffice (`soffice --headless`), when it is installed.

LibreOffice is optional (`make office`); without it the DOCX and XLSX are complete and
the caller gets `PdfUnavailable` with a message saying how to get PDFs.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from workflow.errors import WorkflowError


class PdfUnavailable(WorkflowError):
    """The PDF could not be produced (LibreOffice missing or failing)."""

    status = 503
    title = "PDF rendering unavailable"


def soffice_path() -> str | None:
    """The LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: Path, out_dir: Path, *, timeout: float = 180.0) -> Path:
    """Convert `docx` into `out_dir`/<stem>.pdf and return that path."""
    exe = soffice_path()
    if exe is None:
        raise PdfUnavailable(
            "PDF skipped: LibreOffice (soffice) is not installed; run `make office` "
            "(libreoffice-writer-nogui, fonts-liberation2) to render PDFs"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{docx.stem}.pdf"
    target.unlink(missing_ok=True)
    # A private profile per call: two conversions at once would fight over the default one.
    with tempfile.TemporaryDirectory(prefix="planflow-lo-") as profile:
        try:
            proc = subprocess.run(
                [
                    exe,
                    f"-env:UserInstallation={Path(profile).as_uri()}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out_dir),
                    str(docx),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"PDF skipped: LibreOffice took over {timeout:g} s") from exc
    if not target.exists():
        detail = (proc.stderr or proc.stdout).strip()[-500:]
        raise PdfUnavailable(f"PDF skipped: LibreOffice failed (exit {proc.returncode}): {detail}")
    return target


def pdf_bytes(docx: bytes, *, stem: str, timeout: float = 180.0) -> bytes:
    """The PDF of DOCX bytes (a mail's attachment), converted in a private temporary folder;
    PdfUnavailable as `docx_to_pdf`."""
    with tempfile.TemporaryDirectory(prefix="planflow-pdf-") as tmp:
        src = Path(tmp) / f"{stem}.docx"
        src.write_bytes(docx)
        return docx_to_pdf(src, Path(tmp) / "out", timeout=timeout).read_bytes()
