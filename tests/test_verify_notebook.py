"""The notebook example, executed headlessly in a fresh kernel (nbclient), shows verify's
table: the buggy softmax cell in red at its ``In [n]``, the correct cells passing."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "verify_example.ipynb"


def test_the_notebook_example_shows_the_table(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADLAB_JAX_CACHE", str(tmp_path / "cache"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the example without outputs"
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    verify_cell = next(c for c in nb.cells
                       if c.cell_type == "code" and "gradlab.verify(" in c.source)
    (shown,) = [o for o in verify_cell.outputs if o.output_type == "execute_result"]
    html = shown.data["text/html"]
    assert shown.data["text/plain"].startswith("<VerifyReport of 1 target:")
    softmax = html[html.index("<code>softmax</code>"):]
    softmax = softmax[:softmax.index("</tr>")]
    assert ">FAIL<" in softmax and "In [3], line 1" in softmax
    assert "softmax(np.array([1010.0, 1000.0, 990.0]))" in softmax  # folded in the row
    for name, cell in (("sigmoid", 2), ("cross_entropy_error", 4)):
        row = html[html.index(f"<code>{name}</code>"):]
        row = row[:row.index("</tr>")]
        assert ">pass<" in row and f"In [{cell}], line 1" in row
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert printed.startswith("False\n") and "softmax.large ->" in printed
