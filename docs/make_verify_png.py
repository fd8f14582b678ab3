"""Make docs/verify_notebook.png: the table that ``gradlab.verify(globals())`` shows in
Jupyter, from docs/verify_example.ipynb executed headlessly, drawn by a real browser.

    python docs/make_verify_png.py          # needs nbclient, ipykernel and chromium

The notebook runs in a fresh kernel (nbclient); the HTML of its verify cell is opened at
its first failing row (what a click on the row shows) and rendered by headless chromium;
the picture is cropped to the table.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "verify_example.ipynb"
PICTURE = HERE / "verify_notebook.png"
PAGE = ("<html><body style=\"font-family:'DejaVu Sans',sans-serif;margin:12px\">"
        "<div style=\"color:#303f9f;font-family:monospace\">Out[5]:</div>{}</body></html>")


def verify_cell_html() -> str:
    """The HTML output of the notebook's ``gradlab.verify`` cell, run in a fresh kernel."""
    import nbclient
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    for cell in nb.cells:
        if cell.cell_type == "code" and "gradlab.verify(" in cell.source:
            for output in cell.outputs:
                if "text/html" in output.get("data", {}):
                    return output["data"]["text/html"]
    raise SystemExit("the notebook's verify cell showed no HTML table")


def render(html: str, out: Path, width: int = 1250) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("needs chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "table.html"
        page.write_text(PAGE.format(html.replace("<details>", "<details open>", 1)))
        shot = Path(tmp) / "shot.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--window-size={width},900",
                        f"--screenshot={shot}", page.as_uri()], check=True,
                       capture_output=True, timeout=120)
        _crop(shot, out)


def _crop(src: Path, out: Path, margin: int = 10) -> None:
    import numpy as np
    from PIL import Image

    image = Image.open(src).convert("RGB")
    ink = np.argwhere((np.asarray(image) < 245).any(axis=2))
    (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0)
    box = (max(0, left - margin), max(0, top - margin), min(image.width, right + margin),
           min(image.height, bottom + margin))
    image.crop(box).save(out, optimize=True)


if __name__ == "__main__":
    render(verify_cell_html(), PICTURE)
    print(f"wrote {PICTURE}", file=sys.stderr)
