"""The Spark ``mapInPandas`` recipe of expectmodel.export._scale, run as documented (pyspark local mode).

Slow (a Spark session starts in about 15 s on 2 cores); skipped without pyspark or Java.
"""

from __future__ import annotations

import os
import shutil
import sys

import pandas as pd
import pytest

import expectmodel as em
from expectmodel_scorer import load_scorer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # METHODS §9 E4: the workers run this Python
    session = (pyspark.SparkSession.builder.master("local[2]").appName("expectmodel-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    yield session
    session.stop()


def test_the_documented_map_in_pandas_recipe(spark, pls_fit, survey, tmp_path):
    bundle = em.save(pls_fit, tmp_path / "ecsi.zip")
    spark_df = spark.createDataFrame(survey)
    # the recipe, as in expectmodel/export/_scale.py
    scorer = load_scorer(bundle)
    schema = ", ".join(f"`{c}` double" for c in scorer.outputs)

    def score_batches(batches):
        for pdf in batches:
            yield scorer.score(pdf)

    scored = spark_df.select(*scorer.inputs).mapInPandas(score_batches, schema=schema)
    got = scored.toPandas()
    want = scorer.score(survey).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
