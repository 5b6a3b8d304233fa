"""The people counters (`DailyPeople`): per assistant, day of its reporting zone and scope of
sources (`all`, `app`, `api`), the people active that day, those whose first and second
active day it is, and the weekly and monthly active users (the 7 and 28 days ending then).

They are counted from the person-day rows (`DailyActiveUser`), two ways in that must agree
(tests/insights/test_people_property.py holds both to a naive recount):

- `apply_new_messages` folds a batch of just-inserted messages in with one set-based
  statement, run under the counters' lock (`rollups.lock_counters`) *before* the batch's
  person-day rows are written, so it sees which of the batch's person-days are new;
- `rebuild` recomputes them from the person-day rows that `rollups.rebuild` has just written.

A person-day (p, d) that is new in a scope makes p active on d, may make d p's first or
second active day (moving the old ones; messages arrive in any order), and newly covers
the days [max(d, prev + 7), min(d + 7, next)) of the week counters, where prev is p's
latest active day before d (stored or in the batch) and next p's first stored one after d
(a later day of the same batch covers only what d does not); likewise with 28 for the
month. Each counter moves by +1 or -1 only on those days, so a batch touches at most its
days plus 27 days after each, never a person's whole history.
"""

from collections.abc import Sequence

from assistants.lib.sql import fold_written, run_rebuild_statements

WEEK_DAYS = 7
MONTH_DAYS = 28

# As `rollups.SOURCE_SQL` and `_LOCAL_DAY` (which import this module): the source of a
# conversation `c`, and the local day of a message `m`.
SOURCE_SQL = "(CASE WHEN c.external_id IS NULL THEN 'app' ELSE 'api' END)"
_LOCAL_DAY_SQL = "(m.created_at AT TIME ZONE %(tz)s)::date"

# A person-day row `d` of the scope `scope` (a row of either source counts for `all`).
_IN_SCOPE = "({scope} = 'all' OR d.source = {scope})"

# What follows the key columns of a SELECT of every day of each run of the CTE `runs`
# (a step's day, its counts and the next step's day), up to the day before the next run:
# the people active, new and returned count on the run's first day only, the week's and
# month's on every day. A set-returning call per run, so no join.
_EVERY_DAY_OF_RUNS = """d::date AS day,
       CASE WHEN d = day THEN active ELSE 0 END AS active,
       CASE WHEN d = day THEN new ELSE 0 END AS new,
       CASE WHEN d = day THEN returned ELSE 0 END AS returned, weekly, monthly
FROM (
    SELECT *, generate_series(day, coalesce(next_day - 1, day), interval '1 day') AS d
    FROM runs
) expanded"""

_APPLY_NEW_MESSAGES = f"""
WITH batch AS (
    -- The batch's person-days, in their source and in "all".
    SELECT DISTINCT c.participant_id AS person, {_LOCAL_DAY_SQL} AS day, scope.source
    FROM unnest(%(ids)s::bigint[]) AS b(id)
    JOIN assistants_message m ON m.id = b.id
    JOIN assistants_conversation c ON c.id = m.conversation_id
    CROSS JOIN LATERAL (VALUES ({SOURCE_SQL}), ('all')) AS scope(source)
    WHERE m.assistant_id = %(assistant)s AND m.role = 'user'
),
fresh AS (
    -- Those with no person-day row of the scope yet (through daily_active_user_unique).
    SELECT b.person, b.day, b.source FROM batch b
    WHERE NOT EXISTS (
        SELECT 1 FROM assistants_dailyactiveuser d
        WHERE d.assistant_id = %(assistant)s AND d.day = b.day AND d.participant_id = b.person
          AND {_IN_SCOPE.format(scope="b.source")}
    )
),
neighbours AS (
    -- Through daily_active_user_by_person: the person's stored days either side.
    SELECT f.person, f.day, f.source,
           greatest(lag(f.day) OVER w, (
               SELECT max(d.day) FROM assistants_dailyactiveuser d
               WHERE d.assistant_id = %(assistant)s AND d.participant_id = f.person
                 AND d.day < f.day AND {_IN_SCOPE.format(scope="f.source")}
           )) AS prev,
           (SELECT min(d.day) FROM assistants_dailyactiveuser d
            WHERE d.assistant_id = %(assistant)s AND d.participant_id = f.person
              AND d.day > f.day AND {_IN_SCOPE.format(scope="f.source")}) AS next
    FROM fresh f
    WINDOW w AS (PARTITION BY f.person, f.source ORDER BY f.day)
),
spans AS (
    SELECT day, source,
           greatest(day, prev + {WEEK_DAYS}) AS week_from,
           least(day + {WEEK_DAYS}, next) AS week_to,
           greatest(day, prev + {MONTH_DAYS}) AS month_from,
           least(day + {MONTH_DAYS}, next) AS month_to
    FROM neighbours
),
firsts AS (
    -- Each person's first two active days of the scope, before and with the batch.
    SELECT p.source, old.days AS old, ARRAY(
               SELECT x FROM unnest(old.days || p.days) AS x ORDER BY x LIMIT 2
           ) AS new
    FROM (SELECT person, source, array_agg(day) AS days FROM fresh GROUP BY person, source) p
    CROSS JOIN LATERAL (
        SELECT ARRAY(
            SELECT DISTINCT d.day FROM assistants_dailyactiveuser d
            WHERE d.assistant_id = %(assistant)s AND d.participant_id = p.person
              AND {_IN_SCOPE.format(scope="p.source")}
            ORDER BY d.day LIMIT 2
        ) AS days
    ) old
),
steps AS (
    -- active, new, returned: on the day itself; weekly, monthly: +1 from a span's first
    -- day, -1 from the day after its last (added up over the days below).
    SELECT day, source, 1 AS active, 0 AS new, 0 AS returned, 0 AS weekly, 0 AS monthly
    FROM fresh
    UNION ALL SELECT old[1], source, 0, -1, 0, 0, 0 FROM firsts
        WHERE old[1] IS NOT NULL AND old[1] <> new[1]
    UNION ALL SELECT new[1], source, 0, 1, 0, 0, 0 FROM firsts
        WHERE old[1] IS NULL OR old[1] <> new[1]
    UNION ALL SELECT old[2], source, 0, 0, -1, 0, 0 FROM firsts
        WHERE old[2] IS NOT NULL AND old[2] <> new[2]
    UNION ALL SELECT new[2], source, 0, 0, 1, 0, 0 FROM firsts
        WHERE new[2] IS NOT NULL AND old[2] IS DISTINCT FROM new[2]
    UNION ALL SELECT week_from, source, 0, 0, 0, 1, 0 FROM spans WHERE week_from < week_to
    UNION ALL SELECT week_to, source, 0, 0, 0, -1, 0 FROM spans WHERE week_from < week_to
    UNION ALL SELECT month_from, source, 0, 0, 0, 0, 1 FROM spans WHERE month_from < month_to
    UNION ALL SELECT month_to, source, 0, 0, 0, 0, -1 FROM spans WHERE month_from < month_to
),
per_step AS (
    SELECT source, day, sum(active) AS active, sum(new) AS new, sum(returned) AS returned,
           sum(weekly) AS weekly, sum(monthly) AS monthly
    FROM steps GROUP BY source, day
),
runs AS (
    -- The spans' steps added up: the increments from a step's day to the next step's.
    SELECT source, day, active, new, returned,
           sum(weekly) OVER w AS weekly, sum(monthly) OVER w AS monthly,
           lead(day) OVER w AS next_day
    FROM per_step WINDOW w AS (PARTITION BY source ORDER BY day)
),
per_day AS (
    SELECT source, {_EVERY_DAY_OF_RUNS}
)
INSERT INTO assistants_dailypeople AS t
    (assistant_id, source, day, active_users, new_users, returned_users,
     weekly_active_users, monthly_active_users)
SELECT %(assistant)s, source, day, active, new, returned, weekly, monthly FROM per_day
WHERE active <> 0 OR new <> 0 OR returned <> 0 OR weekly <> 0 OR monthly <> 0
ON CONFLICT (assistant_id, source, day) DO UPDATE SET
    active_users = t.active_users + EXCLUDED.active_users,
    new_users = t.new_users + EXCLUDED.new_users,
    returned_users = t.returned_users + EXCLUDED.returned_users,
    weekly_active_users = t.weekly_active_users + EXCLUDED.weekly_active_users,
    monthly_active_users = t.monthly_active_users + EXCLUDED.monthly_active_users
"""


def apply_new_messages(*, assistant_id: int, time_zone: str, message_ids: Sequence[int]) -> None:
    """Fold just-inserted messages into the people counters. One query, any batch size.

    Must run in the inserting transaction, under the counters' lock, before the messages'
    person-day rows are written (`rollups.apply_new_messages`)."""
    fold_written(
        _APPLY_NEW_MESSAGES, assistant_id=assistant_id, time_zone=time_zone, ids=message_ids
    )


REBUILD_STATEMENTS = [
    "DELETE FROM assistants_dailypeople WHERE assistant_id = ANY(%(ids)s)",
    f"""
    WITH person_days AS (
        SELECT assistant_id, participant_id, day, source FROM assistants_dailyactiveuser
        WHERE assistant_id = ANY(%(ids)s)
        UNION ALL
        SELECT assistant_id, participant_id, day, 'all' FROM assistants_dailyactiveuser
        WHERE assistant_id = ANY(%(ids)s)
        GROUP BY assistant_id, participant_id, day
    ),
    ranked AS (
        SELECT assistant_id, source, day, row_number() OVER w AS n, lag(day) OVER w AS prev
        FROM person_days
        WINDOW w AS (PARTITION BY assistant_id, source, participant_id ORDER BY day)
    ),
    steps AS (
        -- Spans of one person never overlap: each starts where the previous day's ends.
        SELECT assistant_id, source, day, 1 AS active, (n = 1)::int AS new,
               (n = 2)::int AS returned, 0 AS weekly, 0 AS monthly
        FROM ranked
        UNION ALL SELECT assistant_id, source, greatest(day, prev + {WEEK_DAYS}), 0, 0, 0, 1, 0
            FROM ranked
        UNION ALL SELECT assistant_id, source, day + {WEEK_DAYS}, 0, 0, 0, -1, 0 FROM ranked
        UNION ALL SELECT assistant_id, source, greatest(day, prev + {MONTH_DAYS}), 0, 0, 0, 0, 1
            FROM ranked
        UNION ALL SELECT assistant_id, source, day + {MONTH_DAYS}, 0, 0, 0, 0, -1 FROM ranked
    ),
    per_step AS (
        SELECT assistant_id, source, day, sum(active) AS active, sum(new) AS new,
               sum(returned) AS returned, sum(weekly) AS weekly, sum(monthly) AS monthly
        FROM steps GROUP BY assistant_id, source, day
    ),
    runs AS (
        SELECT assistant_id, source, day, active, new, returned,
               sum(weekly) OVER w AS weekly, sum(monthly) OVER w AS monthly,
               lead(day) OVER w AS next_day
        FROM per_step WINDOW w AS (PARTITION BY assistant_id, source ORDER BY day)
    ),
    per_day AS (
        SELECT assistant_id, source, {_EVERY_DAY_OF_RUNS}
    )
    INSERT INTO assistants_dailypeople
        (assistant_id, source, day, active_users, new_users, returned_users,
         weekly_active_users, monthly_active_users)
    SELECT assistant_id, source, day, active, new, returned, weekly, monthly FROM per_day
    WHERE monthly > 0
    """,
]


def rebuild(assistant_ids: Sequence[int]) -> None:
    """Recompute the people counters of these assistants from their person-day rows. Run it
    in `rollups.rebuild`'s transaction, after the person-day rows are rebuilt."""
    run_rebuild_statements(REBUILD_STATEMENTS, assistant_ids)
