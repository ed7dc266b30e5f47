"""chiso read the way an analyst's notebook reads it (docs/analysts.md):
`requests` against the API and its SQL endpoint, and the read-only ClickHouse
user through `clickhouse-driver` (native protocol) and `clickhouse-connect`
(HTTP). Each monthly aggregate must equal the API's figure.

clickhouse-connect reads `system.settings.readonly` when it connects, a column
ClickHouse 18.16 lacks: on the test server (18.16) its test asserts that
refusal; on a current server (production) it must pass like the others.
"""

import math
import re

import clickhouse_connect
import clickhouse_driver
import pytest
import requests
from clickhouse_connect.driver.exceptions import DatabaseError

from conftest import MONTHS

MONTH = MONTHS[-1]
INDICATOR = "online_dossier_rate"
# The indicator's formula (config/indicators.toml): Σ online ÷ Σ received × 100.
POOLED_SQL = (
    "SELECT sum(received_online) / sum(received) * 100 AS rate "
    "FROM service_stats_current "
    "WHERE month = toDate('{month}-01') AND unit_code IN ({units})"
)
UNIT_SQL = (
    "SELECT sum(received_online) AS online, sum(received) AS received "
    "FROM service_stats_current WHERE month = toDate('{month}-01') AND unit_code = '{unit}'"
)


def get(world, path, **params):
    r = requests.get(world.api + path, params=params, timeout=30,
                     headers={"Authorization": f"Bearer {world.token}"})
    r.raise_for_status()
    return r.json()


def api_sql(world, query):
    r = requests.post(world.api + "/api/v1/sql", json={"query": query}, timeout=60,
                      headers={"Authorization": f"Bearer {world.token}"})
    assert r.status_code == 200, r.text
    return r.json()


def province_codes(world):
    body = get(world, "/api/v1/rankings", period=MONTH, group="province")
    (group,) = body["groups"]
    codes = [u["code"] for u in group["units"]]
    assert len(codes) == 63, f"the provinces of {MONTH}: {len(codes)}"
    return codes


def api_pooled(world):
    body = get(world, "/api/v1/national", indicator=INDICATOR, **{"from": MONTH, "to": MONTH})
    (month,) = body["months"]
    (figure,) = [f for f in month["figures"] if f["group"] == "province"]
    assert figure["units_with_data"] == figure["units_expected"] == 63
    return figure["pooled"]


def server_major(world):
    with requests.post(world.clickhouse_url, data="SELECT version()", timeout=30) as r:
        return int(r.text.split(".")[0])


def connect_http(world):
    return clickhouse_connect.get_client(
        host="127.0.0.1", port=int(world.clickhouse_url.rsplit(":", 1)[1]),
        username=world.ch_user, password=world.ch_password, database=world.database,
        connect_timeout=10, send_receive_timeout=60)


@pytest.fixture(scope="module")
def native(world):
    c = clickhouse_driver.Client(
        host="127.0.0.1", port=world.native_port, user=world.ch_user,
        password=world.ch_password, database=world.database,
        connect_timeout=10, send_receive_timeout=60)
    yield c
    c.disconnect()


def test_the_sql_endpoint_gives_the_national_pooled_rate(world):
    units = ", ".join(f"'{c}'" for c in province_codes(world))
    answer = api_sql(world, POOLED_SQL.format(month=MONTH, units=units))
    assert answer["columns"][0]["name"] == "rate"
    (row,) = answer["rows"]
    assert math.isclose(row[0], api_pooled(world), rel_tol=1e-12)


def test_clickhouse_driver_gives_the_national_pooled_rate(world, native):
    units = ", ".join(f"'{c}'" for c in province_codes(world))
    ((rate,),) = native.execute(POOLED_SQL.format(month=MONTH, units=units))
    assert math.isclose(rate, api_pooled(world), rel_tol=1e-12)


def test_clickhouse_connect_gives_the_national_pooled_rate(world):
    if server_major(world) < 20:
        with pytest.raises(DatabaseError, match=re.escape("Unknown identifier: readonly")):
            connect_http(world)
        return
    client = connect_http(world)
    units = ", ".join(f"'{c}'" for c in province_codes(world))
    rate = client.query(POOLED_SQL.format(month=MONTH, units=units)).result_rows[0][0]
    assert math.isclose(rate, api_pooled(world), rel_tol=1e-12)


def test_the_api_and_the_database_give_a_units_numerator_and_denominator(world, native):
    body = get(world, "/api/v1/units/01/indicators", **{"from": MONTH, "to": MONTH})
    (month,) = body["months"]
    (evaluation,) = [e for e in month["evaluations"] if e["indicator"] == INDICATOR]
    query = UNIT_SQL.format(month=MONTH, unit="01")
    (via_api,) = api_sql(world, query)["rows"]
    (via_clickhouse,) = native.execute(query)
    expected = [evaluation["numerator"], evaluation["denominator"]]
    assert list(via_api) == list(via_clickhouse) == expected


def test_the_read_only_user_cannot_write(native):
    with pytest.raises(clickhouse_driver.errors.ServerException, match="readonly"):
        native.execute("INSERT INTO service_stats (unit_code) VALUES ('01')")
