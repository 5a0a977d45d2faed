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
    Policy.confirmable_inputs() -> (ConfirmableInput(policy, name, label, value, criteria), …)

    RunSpec.of(policies, *, year, as_of, overrides=None, inputs=None, library=None) -> RunSpec
        # one run, checked once: policies (ids, families or Policy), year, as-of date,
        # what-ifs {"<policy id>.<param>": YAML text}, confirmed inputs {name: value};
        # hashable (the query cache's key); .confirmable_inputs(), .overrides_dict(), .inputs_dict()

    evaluate(*, tables, spec, inputs_table=None) -> Evaluation    # tables already on an engine
    evaluate_dossiers(dossiers, *, spec, inputs_table=None) -> Evaluation   # on DuckDB
    run_evaluation(*, input_tables, spec, engine="duckdb", engine_options=None,
                   inputs_table=None, fmt="json", out=None) -> Evaluation
        # upload the table form, evaluate, write, close: the body of ``lingjun evaluate``
    build_plan(spec, *, inputs_table=None) -> Query                 # what each result column means
    evaluate_reference(dossiers, *, spec, inputs_table=None)        # per-record reference evaluator

    Evaluation.to_records() -> list[dict]         # the JSON shape of lingjun.rules.records
    Evaluation.to_arrow() -> pyarrow.Table        # wide: uscc + <policy>.<criterion>.result …
    Evaluation.sorted() -> pyarrow.Table          # the raw rows by uscc (table/to_arrow: engine order)
    Evaluation.counts() -> {policy_id: {"pass": n, "fail": n, "unknown": n}}

    connect(engine="duckdb", **kw)                # "duckdb" | "postgres" | "spark"
    register_tables(con, arrow_tables, *, schema=None, prefix=None) -> {name: ibis.Table}
    tables_in(con, *, schema=None, prefix="lj_") -> {name: ibis.Table}   # tables already stored

    parse_sets(["<policy id>.<param>=<value>", …]) -> overrides
    default_as_of(year, today) -> date                                 # min(today, 31 Dec of year)
    write(evaluation, fmt, out)                   # fmt: "json" | "csv" | "xlsx"

    PASS, FAIL, UNKNOWN, OUTCOMES, WORDS          # the outcome vocabulary: pass 通过, fail 不通过,
    counts_text(counts) -> "通过 n，不通过 n，需补充材料 n"   # unknown 需补充材料 (lingjun.rules.outcome)

Per-enterprise inputs (a table of ``uscc`` and one column per input) are data, given beside the
tables as ``inputs_table``; inputs an officer confirmed for every enterprise belong to the spec.

Modules, lowest first (no import cycle; ``tests/rules/test_imports.py`` checks): ``errors``,
``expr``, ``outcome``, ``yamlio``, ``expr_parse``, ``policy``, ``loader``, ``spec``, ``facts``,
``compiler``, ``plan``, ``stages``, ``explain``, ``records``, ``result``, ``engines``,
``querycache``, ``evaluation``, ``output``, ``reference``, ``run``, ``gaps``.

Distances and the ladder (培育差距, :mod:`lingjun.rules.gaps`)::

    ladder_gaps(*, tables=None, dossiers=None, year, as_of, held=None, inputs=None,
                inputs_table=None) -> Ladder       # next rung + gap lists of a whole pool
    Ladder.next_rung(uscc), Ladder.gaps(uscc, rung=None) -> [Gap], Ladder.ranked(rung, among=None)
    policy_gaps(*, policy, dossiers, year, as_of, ...) -> (usccs, PolicyGaps)
    apply_fixes(dossier, fixes) -> (dossier, inputs)   # "if the gaps were closed"

Errors are :class:`RulesError` (and :class:`PolicyError` for policy files) with a stable ``code``
and a Chinese ``message``.
"""

from lingjun.rules.engines import connect, register_tables, tables_in
from lingjun.rules.errors import PolicyError, RulesError
from lingjun.rules.evaluation import build_plan, evaluate
from lingjun.rules.loader import load_library
from lingjun.rules.outcome import FAIL, OUTCOMES, PASS, UNKNOWN, WORDS, counts_text
from lingjun.rules.output import write
from lingjun.rules.plan import Query
from lingjun.rules.policy import ConfirmableInput, Library, Policy
from lingjun.rules.reference import evaluate_reference
from lingjun.rules.result import Evaluation
from lingjun.rules.run import default_as_of, evaluate_dossiers, parse_sets, run_evaluation
from lingjun.rules.spec import RunSpec

__all__ = [
    "FAIL",
    "OUTCOMES",
    "PASS",
    "UNKNOWN",
    "WORDS",
    "ConfirmableInput",
    "Evaluation",
    "Library",
    "Policy",
    "PolicyError",
    "Query",
    "RulesError",
    "RunSpec",
    "build_plan",
    "connect",
    "counts_text",
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
