"""Bundled, simulated survey data sets (their generating calls are in ``datasets/build.py``).

Each loader returns a fresh DataFrame.  The files live in the repository's
``datasets/`` folder (installed into the wheel as ``expectmodel/datasets/data``),
each with a data dictionary in a ``.md`` file of the same name.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = [
    "expectation_waves_design",
    "load_csi_survey",
    "load_customer_panel",
    "load_customer_panel_waves",
    "load_expectation_waves",
    "load_kano_ratings",
    "load_kano_waves",
    "load_servqual_survey",
    "load_vie_survey",
    "path",
    "servqual_survey_design",
    "vie_survey_design",
]


def path(name: str) -> Path:
    """Locate a bundled file, in an installed wheel or a source checkout.

    Parameters
    ----------
    name : str
        The file's name, e.g. ``"csi_survey.csv"``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If no such file is bundled.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.path("csi_survey.csv").name
    'csi_survey.csv'
    """
    packaged = resources.files(__name__) / "data" / name
    if packaged.is_file():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[3] / "datasets" / name
    if source.is_file():
        return source
    raise FileNotFoundError(f"Bundled data set '{name}' not found; reinstall expectmodel.")


def load_csi_survey() -> pd.DataFrame:
    """Load an ECSI-style customer satisfaction survey: 600 respondents x 24 items on a 1-10 scale.

    Simulated from :func:`expectmodel.spec.templates.ecsi` with known paths that
    differ by customer ``stage`` (first-time / repeat / long-term); about 2% of
    answers are missing and coded ``-99``. See ``datasets/csi_survey.md``.

    Returns
    -------
    pandas.DataFrame
        ``respondent``, the 24 ECSI items (``IMAG1`` ... ``CUSL3``) and ``stage``.

    Examples
    --------
    >>> import expectmodel as em
    >>> survey = em.datasets.load_csi_survey()
    >>> survey.shape, survey.columns[-1]
    ((600, 26), 'stage')
    """
    return pd.read_csv(path("csi_survey.csv"))


def load_servqual_survey() -> pd.DataFrame:
    """Load a SERVQUAL-style survey: 800 respondents, 22 items in E, P, D and A batteries (1-7).

    Simulated by :func:`expectmodel.latent.simulate_latent` with a free satisfaction link
    (two satisfaction items), five drivers of expectations, a 100-point importance
    allocation and three customer stages; "never used" customers have no P battery and
    no satisfaction answers. About 1% of answers are coded ``-99``. Read it with
    :func:`servqual_survey_design`; see ``datasets/servqual_survey.md`` and the truth in
    ``servqual_survey_truth.json``.

    Returns
    -------
    pandas.DataFrame
        One row per respondent.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.load_servqual_survey().shape
    (800, 102)
    """
    return pd.read_csv(path("servqual_survey.csv"))


def servqual_survey_design():
    """Return the :class:`~expectmodel.latent.Design` of :func:`load_servqual_survey`.

    Returns
    -------
    Design
        The five SERVQUAL dimensions, the E/P/D/A batteries on a 1-7 scale, satisfaction items,
        drivers, stages and importance columns.

    Examples
    --------
    >>> import expectmodel as em
    >>> design = em.datasets.servqual_survey_design()
    >>> design.stages
    ('never used', 'first-time', 'long-term')
    """
    from expectmodel.latent import SERVQUAL_DIMENSIONS, servqual_design

    return servqual_design(
        batteries={b: f"{b}_{{item}}" for b in "EPDA"}, scale=(1, 7), satisfaction=["sat1", "sat2"],
        drivers=["word_of_mouth", "promises", "past_experience", "needs", "price"], stage="stage",
        stages=("never used", "first-time", "long-term"), no_perception=("never used",),
        importance={d: f"importance_{d}" for d in SERVQUAL_DIMENSIONS}, respondent="respondent",
    )


def load_vie_survey() -> pd.DataFrame:
    """Load a customer expectancy-theory (VIE) survey: 400 respondents, 4 outcomes, repurchase criterion.

    Per outcome (on-time ``delivery``, fair ``price``, service ``recovery``, ``support``) the stated
    probability that the firm delivers it (``E_*``, 0-100 %) and its valence (``V_*``, bipolar -3..3,
    0 neutral); the criteria ``intention`` (1-7) and observed ``repurchase`` (0/1). Simulated by
    :func:`expectmodel.vie.simulate_vie` (truth in ``vie_survey_truth.json``); about 1% of answers are
    coded ``-99``. See ``datasets/vie_survey.md``.

    Returns
    -------
    pandas.DataFrame
        ``respondent``, ``E_*``, ``V_*``, ``intention``, ``repurchase``.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.load_vie_survey().shape
    (400, 11)
    """
    return pd.read_csv(path("vie_survey.csv"))


def vie_survey_design():
    """Return the :class:`~expectmodel.vie.VIEDesign` of :func:`load_vie_survey`.

    Returns
    -------
    VIEDesign
        Customer form: probabilities on the 0-100 scale, valences bipolar -3..3 with zero 0.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.vie_survey_design().outcomes
    ('delivery', 'price', 'recovery', 'support')
    """
    from expectmodel.data import Scale
    from expectmodel.vie import VIEDesign

    return VIEDesign.from_outcomes(["delivery", "price", "recovery", "support"],
                                   expectancy_scale=Scale(0, 100, "probability"),
                                   valence_scale=Scale(-3, 3, "bipolar", zero=0))


def load_kano_waves() -> pd.DataFrame:
    """Load a four-wave Kano survey of a mobile banking app: 2,000 respondents, 8 attribute pairs.

    Answer codes 1 = like ... 5 = dislike (``-99``: no answer) in ``<attribute>_f`` (functional) and
    ``<attribute>_d`` (dysfunctional) columns, the survey year ``wave`` (2022-2025) and the customer
    ``stage``. Simulated by :func:`expectmodel.kano.simulate_kano` with known drift toward must-be and a
    shifting stage mix (truth in ``kano_waves_truth.json``); see ``datasets/kano_waves.md``.

    Returns
    -------
    pandas.DataFrame
        ``respondent``, 16 answer columns, ``wave``, ``stage``.

    Examples
    --------
    >>> import expectmodel as em
    >>> waves = em.datasets.load_kano_waves()
    >>> waves.shape, sorted(waves["wave"].unique().tolist())
    ((2000, 19), [2022, 2023, 2024, 2025])
    """
    return pd.read_csv(path("kano_waves.csv"))


def load_kano_ratings() -> pd.DataFrame:
    """Load hotel-stay performance ratings (1-5) and overall satisfaction (1-7) for regression Kano.

    Seven attributes of known Kano kind (must-be, one-dimensional, attractive, indifferent), simulated by
    :func:`expectmodel.kano.simulate_ratings` (truth in ``kano_ratings_truth.json``); see
    ``datasets/kano_ratings.md``.

    Returns
    -------
    pandas.DataFrame
        ``respondent``, seven rating columns, ``satisfaction``, ``market``.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.load_kano_ratings().shape
    (1200, 10)
    """
    return pd.read_csv(path("kano_ratings.csv"))


def load_customer_panel() -> pd.DataFrame:
    """Load a simulated subscription panel: 3,000 customers, an entry survey of E and P items, churn over 12 months.

    Simulated by :func:`expectmodel.churn.simulate_panel` (truth in ``customer_panel_truth.json``); the
    satisfaction waves are in :func:`load_customer_panel_waves`. See ``datasets/customer_panel.md``.

    Returns
    -------
    pandas.DataFrame
        ``customer``, ``entry``, ``end``, 18 items ``e<d>_<j>`` / ``p<d>_<j>`` (1-7), ``churn_period``
        (nullable integer) and ``churned``.

    Examples
    --------
    >>> import expectmodel as em
    >>> panel = em.datasets.load_customer_panel()
    >>> panel.shape, int(panel["churned"].sum()) == int(panel["churn_period"].notna().sum())
    ((3000, 23), True)
    """
    return pd.read_csv(path("customer_panel.csv"), dtype={"churn_period": "Int64"})


def load_customer_panel_waves() -> pd.DataFrame:
    """Load the satisfaction waves (months 1, 5, 9) of :func:`load_customer_panel`'s customers.

    Returns
    -------
    pandas.DataFrame
        ``customer``, ``period``, ``satisfaction`` (0-10); one row per active customer and wave.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.load_customer_panel_waves()["period"].unique().tolist()
    [1, 5, 9]
    """
    return pd.read_csv(path("customer_panel_waves.csv"))


def load_expectation_waves() -> pd.DataFrame:
    """Load three survey waves of 1,000 panel customers: 22 SERVQUAL items in E and P batteries (1-7), satisfaction.

    Simulated by :func:`expectmodel.latent.simulate_waves` from the adaptive-expectations model (alpha 0.5 for
    first-time and 0.25 for long-term customers, a free satisfaction link); one row per customer and wave.
    Read it with :func:`expectation_waves_design` and
    ``ExpectationDynamics(design, wave="wave", respondent="id")``; see ``datasets/expectation_waves.md`` and
    the truth in ``expectation_waves_truth.json``.

    Returns
    -------
    pandas.DataFrame
        3,000 rows: ``id``, the answers, ``sat1``, ``wave`` (1-3), ``stage``.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.load_expectation_waves().shape
    (3000, 48)
    """
    frame = pd.read_csv(path("expectation_waves.csv"))
    frame["stage"] = pd.Categorical(frame["stage"], categories=["first-time", "long-term"])
    return frame


def expectation_waves_design():
    """Return the :class:`~expectmodel.latent.Design` of :func:`load_expectation_waves`.

    Returns
    -------
    Design
        The five SERVQUAL dimensions, the E and P batteries on a 1-7 scale, ``sat1`` and the stage.

    Examples
    --------
    >>> import expectmodel as em
    >>> em.datasets.expectation_waves_design().stages
    ('first-time', 'long-term')
    """
    from expectmodel.latent import SERVQUAL_DIMENSIONS, Design

    return Design(dimensions=SERVQUAL_DIMENSIONS, batteries={"E": "E_{item}", "P": "P_{item}"}, scale=(1, 7),
                  satisfaction=("sat1",), stage="stage", stages=("first-time", "long-term"))
