"""The demo leaves a contract price update to review: a proposal of new prices that nobody
applied yet (Contracts > Update Contract Prices in the served demo)."""

from conftest import psql


def test_demo_leaves_a_price_update_proposal_to_review(demo_run):
    assert demo_run.process.returncode == 0, demo_run.output[-3000:]
    rows = psql(demo_run.database, """
        SELECT run.state, count(line.id), count(DISTINCT line.contract_id)
          FROM service_price_update run
          JOIN service_price_update_line line ON line.update_id = run.id
         GROUP BY run.state""")
    assert len(rows) == 1 and rows[0][0] == 'proposed', rows
    assert int(rows[0][1]) > int(rows[0][2]) > 1, rows
    assert psql(demo_run.database, "SELECT count(*) FROM service_contract_price_history") \
        == [('0',)]
    assert 'a proposal to review' in demo_run.output
