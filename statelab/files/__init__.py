"""Files: where statelab's plain data lives and how it is read and written.

The bottom layer: it knows folders, TOML and CSV, and nothing of scenarios or models.
``statelab.sim`` builds scenarios and traces from what it reads.

- :mod:`statelab.files.folders`: the data folder (``data/`` in a checkout, a copy inside
  an installed wheel), with ``scenarios/`` (presets) and ``traces/`` (workload traces);
- :mod:`statelab.files.toml_file`: reading a TOML file into a table, writing values back;
- :mod:`statelab.files.csv_file`: reading a CSV file into rows.

Every error names the file.
"""
