"""``shapelint server``: the language server (LSP over stdio) that editors talk to.

A front end like ``shapelint.cli``: it reads the editor's buffers, checks them
with ``shapelint.runner.lint_bytes`` under the settings ``shapelint check``
would use for the file, and turns the findings, fixes and inferred shapes into
LSP diagnostics, code actions, hovers and inlay hints.

- ``buffers``: what is checked (a file's text, or a notebook's cells joined
  into ``.ipynb`` JSON) and the analysis of one version of it (no pygls);
- ``convert``: findings, fixes and shapes as LSP values (lsprotocol types);
- ``app``: the pygls server: document sync, debouncing, the requests.

pygls and lsprotocol come with the ``server`` extra; nothing else in shapelint
imports this package.
"""
