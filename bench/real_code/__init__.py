"""shapelint's real-code benchmark (``bench/real_code_report.py``), split by stage.

``corpus`` materializes the pinned repositories and classifies their files,
``mutate`` seeds one-line shape bugs, ``execute`` (with ``worker``, which runs
under the corpus interpreter) learns the truth by running them, ``lint`` runs
shapelint, ``report`` prints the tables.
"""
