"""The analysis layer of the DuckDB database: views over the loaded tables (articles, records,
claims). `finish(con, out_dir)` is called by the write stage after every load."""
from __future__ import annotations

from pathlib import Path

DECIMAL = "DECIMAL(18,6)"

COVERAGE_VIEW = f"""
CREATE OR REPLACE VIEW coverage AS
WITH itemised AS (
    SELECT article_id,
           count(*)                    AS itemised_records,
           count(amount_yi)            AS itemised_count,
           sum(amount_yi)              AS itemised_total_yi
    FROM records GROUP BY article_id
)
SELECT c.article_id,
       c.claim_id,
       c.scope,
       c.project_count                               AS claimed_count,
       c.total_yi                                    AS claimed_total_yi,
       c.amount_qualifier                            AS claimed_qualifier,
       coalesce(i.itemised_records, 0)               AS itemised_records,
       coalesce(i.itemised_count, 0)                 AS itemised_count,
       coalesce(i.itemised_total_yi, 0)::{DECIMAL}   AS itemised_total_yi,
       CASE WHEN c.total_yi > 0 THEN round(coalesce(i.itemised_total_yi, 0) / c.total_yi, 4) END
                                                     AS share_of_total,
       CASE WHEN c.project_count > 0 THEN round(coalesce(i.itemised_records, 0) / c.project_count, 4) END
                                                     AS share_of_count,
       c.evidence
FROM claims c LEFT JOIN itemised i USING (article_id)
ORDER BY c.article_id, c.claim_id
"""




def finish(con, out_dir: Path) -> None:
    """(Re)create the views and derived tables after records and claims were loaded."""
    con.execute(COVERAGE_VIEW)
