#!/usr/bin/env bash
# Exports the demo project (plus an interview with characters outside the BMP, coded after them) as .qdpx and
# has two independent implementations read it: qc (`qualitative-coding`, `qc init --import`) and pyqdpx.
# Each lives in a virtual environment of its own under /tmp, never in the project's: qc pulls in spaCy and
# NumPy, and pyqdpx needs Python 3.12. Usage: scripts/qdpx_independent_check.sh [ARCHIVE]
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

archive=${1:-}
if [[ -z "$archive" ]]; then
  archive="$work/demo.qdpx"
  export DATABASE_URL="sqlite:///$work/demo.sqlite3"
  .venv/bin/python manage.py migrate -v0
  .venv/bin/python manage.py seed_demo >/dev/null
  .venv/bin/python manage.py shell -c '
from cases.models import Project, Transcript
from coding.models import Coding, Segment
project = Project.objects.get(name="Interagency data sharing (demo)")
text = "𠮷野家 😀 said: data ownership is the barrier.\n\n𠮷 again: budgets 😀😀 matter."
transcript = Transcript.objects.create(case=project.cases.first(), title="Astral interview", text=text)
code = project.codes.filter(is_codable=True).first()
start = text.index("budgets")
segment = Segment.objects.create(transcript=transcript, start=start, end=start + 11, created_by=project.created_by)
Coding.objects.create(segment=segment, code=code, coder=project.created_by)
'
  .venv/bin/python manage.py export_qdpx "Interagency data sharing (demo)" "$archive"
fi

if [[ ! -x /tmp/qcvenv/bin/qc ]]; then
  python3.11 -m venv /tmp/qcvenv
  /tmp/qcvenv/bin/pip install -q 'qualitative-coding==1.7.8'
fi
# The interpreter itself, not a version manager's shim that fails when that version is not selected.
python312=$(python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
if [[ ! -x /tmp/pyqdpxvenv/bin/python && -n "$python312" ]]; then
  "$python312" -m venv /tmp/pyqdpxvenv
  /tmp/pyqdpxvenv/bin/pip install -q 'pyqdpx==0.1.8'
fi

status=0
/tmp/qcvenv/bin/python "$here/scripts/qdpx_independent_check.py" qc "$archive" || status=1
if [[ -x /tmp/pyqdpxvenv/bin/python ]]; then
  /tmp/pyqdpxvenv/bin/python "$here/scripts/qdpx_independent_check.py" pyqdpx "$archive" || status=1
else
  echo "pyqdpx: skipped, it needs Python 3.12 (no python3.12 on PATH)"
fi
exit $status
