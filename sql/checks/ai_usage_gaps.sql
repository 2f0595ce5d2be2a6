-- check: ai_usage_gaps
-- severity: warn
-- asset: marts.ai_usage
-- description: Where a model API's cost report and usage report disagree: tokens used with no cost line for that day, model, token type and project, or cost with no tokens in the usage report. The cost report wins (ai_usage's cost is its cost); each row is a gap to look into (a usage pull missing a day, a line item the usage report does not break out).
select
    day,
    provider,
    model,
    token_type,
    project,
    tokens,
    cost,
    case when cost_lines = 0 then 'tokens without cost' else 'cost without tokens' end as gap
from marts.ai_usage
where
    channel = 'api'
    and token_type is not null
    and (
        (cost_lines = 0 and tokens > 0)
        or (usage_lines = 0 and cost <> 0)
    )
