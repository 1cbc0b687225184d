"""mkdocs hooks: pages that are generated from the code, so they cannot drift from it.

* ``<!-- model-keys -->`` becomes, for every registered field model, a table of its
  run-card keys (type, default, allowed values, meaning) built from the model's own
  ``keys`` (mcparticles/fields/*.py);
* ``<!-- version -->`` becomes the package version (mcparticles/_version.py).
"""
from __future__ import annotations

import html


def _model_tables() -> str:
    from mcparticles.fields import model_class, model_names

    parts = []
    for name in model_names():
        cls = model_class(name)
        rows = ["| key | default | allowed | meaning |", "| --- | --- | --- | --- |"]
        for k in cls.keys:
            units = f" [{k.units}]" if k.units else ""
            doc = html.escape(k.doc, quote=False)
            rows.append(f"| `{k.name}` | {k.default_shown} | {k.allowed_text} | {doc}{units} |")
        extra = []
        if cls.grid:
            extra.append('also on the grid backend (`[field] backend = "grid"`)')
        extra.append("QLT in closed form" if cls.closed_form_qlt else "QLT by the general MHD-mode integral")
        parts.append(f"### `{name}`\n\n{cls.description} ({'; '.join(extra)}; defined in "
                     f"`{cls.__module__.replace('.', '/')}.py`).\n\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def on_page_markdown(markdown, page, config, files):
    if "<!-- model-keys -->" in markdown:
        markdown = markdown.replace("<!-- model-keys -->", _model_tables())
    if "<!-- version -->" in markdown:
        from mcparticles import __version__
        markdown = markdown.replace("<!-- version -->", __version__)
    return markdown
