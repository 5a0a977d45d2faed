"""lingjun.rules — 规则即代码 (rules as code) for the innovative-enterprise programme.

Pure Python, no Django: the web app, the CLI, notebooks and Spark jobs all call this API.

Policies are data (``lingjun/policies/<document>/<policy>.yaml``, format in that folder's
README.md), loaded strictly and compiled to Ibis expressions evaluated for a whole pool at once
on DuckDB (default), PostgreSQL or Spark. Every criterion is three-valued: ``pass``, ``fail`` or
``unknown`` (missing data never fails a criterion).

Public API::

    load_library(path=None) -> Library            # default: the packaged policies
    Library.get(policy_id) -> Policy
    Library.in_force(family, year, on=None) -> Policy   # by date (default 31 Dec of year)

    evaluate(*, tables, policies, year, as_of, overrides=None, inputs=None, library=None) -> Evaluation
    evaluate_dossiers(dossiers, *, policies, year, as_of, overrides=None, inputs=None) -> Evaluation
    Evaluation.to_records() -> list[dict]         # the JSON shape of lingjun.rules.records
    Evaluation.to_arrow() -> pyarrow.Table        # wide: uscc + <policy>.<criterion>.result …
    Evaluation.sorted() -> pyarrow.Table          # the raw rows by uscc (table/to_arrow: engine order)
    Evaluation.counts() -> {policy_id: {"pass": n, "fail": n, "unknown": n}}

    connect(engine="duckdb", **kw)                # "duckdb" | "postgres" | "spark"
    register_tables(con, arrow_tables, *, schema=None, prefix=None) -> {name: ibis.Table}
    tables_in(con, *, schema=None, prefix="lj_") -> {name: ibis.Table}   # tables already stored

    run_evaluation(*, input_tables, policy_ids, year, as_of, engine="duckdb", overrides=None,
                   inputs=None, fmt="json", out) -> Evaluation        # the CLI's body
    parse_sets(["<policy id>.<param>=<value>", …]) -> overrides
    default_as_of(year, today) -> date                                 # min(today, 31 Dec of year)
    write(evaluation, fmt, out)                   # fmt: "json" | "csv" | "xlsx"
    evaluate_reference(dossiers, …)               # per-record reference evaluator (tests, benchmark)

Errors are :class:`RulesError` (and :class:`PolicyError` for policy files) with a stable ``code``
and a Chinese ``message``.
"""

from lingjun.rules.engines import connect, register_tables, tables_in
from lingjun.rules.errors import PolicyError, RulesError
from lingjun.rules.evaluation import evaluate
from lingjun.rules.loader import load_library
from lingjun.rules.output import write
from lingjun.rules.policy import Library, Policy
from lingjun.rules.reference import evaluate_reference
from lingjun.rules.result import FAIL, PASS, UNKNOWN, Evaluation
from lingjun.rules.run import default_as_of, evaluate_dossiers, parse_sets, run_evaluation

__all__ = [
    "FAIL",
    "PASS",
    "UNKNOWN",
    "Evaluation",
    "Library",
    "Policy",
    "PolicyError",
    "RulesError",
    "connect",
    "default_as_of",
    "evaluate",
    "evaluate_dossiers",
    "evaluate_reference",
    "load_library",
    "parse_sets",
    "register_tables",
    "run_evaluation",
    "tables_in",
    "write",
]
