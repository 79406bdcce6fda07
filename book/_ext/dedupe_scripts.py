"""Sphinx extension: drop repeated inline scripts from every page.

Jupyter Book 1.x registers the configuration scripts of sphinx-thebe and
sphinx-togglebutton twice, and the second ``const THEBE_JS_URL = ...`` is a
JavaScript error ("Identifier 'THEBE_JS_URL' has already been declared") on every
page. Scripts with a ``src`` are left alone (Sphinx already lists each file once).
"""


def _drop_repeated_bodies(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body") if not isinstance(script, str) else None
        if body:
            if body in seen:
                continue
            seen.add(body)
        kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _drop_repeated_bodies)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
