"""Reads a Crosscase `.qdpx` export with an independent implementation and compares what it read with the
archive's own counts; exits 1 on a difference.

Run it with the interpreter of a virtual environment that holds the tool (see qdpx_independent_check.sh, which
builds them): only the standard library besides the tool.

    python qdpx_independent_check.py qc ARCHIVE        # qualitative-coding: `qc init --import`
    python qdpx_independent_check.py pyqdpx ARCHIVE    # pyqdpx (Python 3.12 or later)
"""

import os
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

Q = "{urn:QDA-XML:project:1.0}"


def expected(archive: Path) -> dict:
    """Counts from the archive itself, and each selection's text at its span (code points)."""
    with zipfile.ZipFile(archive) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        spans = {}
        astral_sources = set()
        for source in root.iter(f"{Q}TextSource"):
            name = source.get("plainTextPath").removeprefix("internal://")
            text = zf.read(f"sources/{name}").decode("utf-8")
            if any(ord(character) > 0xFFFF for character in text):
                astral_sources.add(source.get("guid"))
            for selection in source.iter(f"{Q}PlainTextSelection"):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                spans[selection.get("guid")] = (source.get("guid"), text[start:end])
    return {
        "sources": len(list(root.iter(f"{Q}TextSource"))),
        "codes": len(list(root.iter(f"{Q}Code"))),
        "code names": len({code.get("name") for code in root.iter(f"{Q}Code")}),
        "users": len(list(root.iter(f"{Q}User"))),
        "selections": len(spans),
        "codings": len(list(root.iter(f"{Q}Coding"))),
        "spans": spans,
        "astral sources": astral_sources,
    }


def check_qc(archive: Path, ours: dict) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        # qc 1.7.8 left a breakpoint() in its importer; PYTHONBREAKPOINT=0 makes it a no-op.
        environment = {**os.environ, "PYTHONBREAKPOINT": "0"}
        qc = Path(sys.executable).with_name("qc")
        subprocess.run(
            [str(qc), "init", "--import", str(archive.resolve())],
            cwd=folder,
            env=environment,
            check=True,
            capture_output=True,
        )
        database = sqlite3.connect(Path(folder) / "qualitative_coding.sqlite3")

        def count(table: str) -> int:
            return database.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        read = {
            "sources": count("document"),
            "code names": count("code"),
            "users": count("coder"),
            "codings": count("coded_line"),
        }
        database.close()
    # qc keeps codes by name and codes lines, not spans: it has no selections to compare.
    return {key: (ours[key], value) for key, value in read.items()}


def check_pyqdpx(archive: Path, ours: dict) -> dict:
    from pyqdpx import QDPX

    project = QDPX(str(archive)).get_project()
    selections = {
        guid: (source.guid, selection.text)
        for source in project.sources.values()
        for guid, selection in source.coded_selections.items()
    }
    same = sum(1 for guid, span in selections.items() if ours["spans"].get(guid) == span)
    # pyqdpx reads positions as NVivo's UTF-16 units; past a character outside the BMP it cuts elsewhere.
    bmp = {guid for guid, (source, _) in ours["spans"].items() if source not in ours["astral sources"]}
    same_bmp = sum(1 for guid in bmp if ours["spans"][guid] == selections.get(guid))
    return {
        "sources": (ours["sources"], len(project.sources)),
        "codes": (ours["codes"], len(project.codes)),
        "users": (ours["users"], len(project.users)),
        "selections": (ours["selections"], len(selections)),
        "selection texts equal, sources without astral characters": (len(bmp), same_bmp),
        "selection texts equal, all sources (UTF-16 reading)": (ours["selections"], same),
    }


def main() -> int:
    tool, archive = sys.argv[1], Path(sys.argv[2])
    ours = expected(archive)
    results = {"qc": check_qc, "pyqdpx": check_pyqdpx}[tool](archive, ours)
    failed = False
    for name, (want, got) in results.items():
        informative = "UTF-16" in name
        mark = "ok" if want == got else ("differs (expected)" if informative else "DIFFERS")
        failed |= want != got and not informative
        print(f"{tool}: {name}: ours {want}, read {got} — {mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
