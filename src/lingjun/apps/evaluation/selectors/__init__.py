"""Reads behind the evaluation pages, each scoped by the user's jurisdiction.

- :mod:`.policies`: the policy library as the pages show it (labels, order, provisional parts,
  parameters in force, the policies in force for a year, labels of policy inputs);
- :mod:`.runs`: who may see and start runs, the run list and each run's counts per result;
- :mod:`.results`: a run's results per enterprise (filtered list, pages, export) and an
  enterprise's own runs;
- :mod:`.explanations`: the engine's records arranged for the explanation page and the
  enterprise's self-evaluation.

Every query of enterprise-level results starts from
:func:`lingjun.apps.enterprises.selectors.enterprises_visible_to`: a town officer sees the results
of their 镇街/园区 only, an enterprise user its own, a department liaison nothing. Counts shown to a
user are counted over their jurisdiction too (the stored counts of a run are district-wide).
Explanations, gaps and missing-data texts are the engine's own (:mod:`lingjun.rules.records`);
these modules only arrange them for the pages and label what the records name by id.
"""
