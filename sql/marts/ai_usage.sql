-- model: marts.ai_usage
-- grain: one row per day, provider, channel, model, token type, project and team with model spend or tokens
-- materialized: table
-- incremental_by: billing_period (month)
-- partition_by: billing_period
-- description: Tokens and what they cost, from the model APIs' reports (channel 'api': OpenAI, Anthropic) and the clouds' bills (channel 'bedrock', 'vertex', 'azure'). day: UTC day of the bucket or charge; project: OpenAI project, Anthropic workspace or the cloud's sub account; team: the runs.team_tag tag. token_type: input, output, cache_read, cache_write (cache_write_5m, cache_write_1h for Anthropic), input_audio, output_audio, or for non-token usage images, characters, seconds, web_search. tokens: from usage reports (APIs) or the bill's quantity in tokens (clouds); cost: effective cost, from cost reports only for APIs (the cost report wins where the two disagree: check ai_usage_gaps names the gaps); cost_per_million_tokens: cost x 1,000,000 / tokens where both are known. cost_lines, usage_lines: how many cost and usage lines the row sums.
with api_lines as (
    select
        x_billing_period as billing_period,
        cast(charge_period_start as date) as day,
        provider,
        'api' as channel,
        x_ai_model as model,
        x_token_type as token_type,
        sub_account_id as project,
        x_tags_normalized[$team_tag] as team,
        billing_currency,
        case when x_ai_report = 'cost' then effective_cost end as cost,
        case when x_ai_report = 'usage' and usage_unit = 'tokens' then usage_quantity end as tokens,
        case when x_ai_report = 'cost' then 1 else 0 end as cost_lines,
        case when x_ai_report = 'usage' then 1 else 0 end as usage_lines
    from marts.cost_lines
    where x_ai_report is not null and x_billing_period >= strftime($range_start, '%Y-%m')
),

cloud_lines as (
    select
        x_billing_period as billing_period,
        day,
        provider,
        family as channel,
        model,
        token_type,
        sub_account_id as project,
        x_tags_normalized[$team_tag] as team,
        billing_currency,
        effective_cost as cost,
        tokens,
        1 as cost_lines,
        0 as usage_lines
    from staging.ai_cloud_lines
    where x_billing_period >= strftime($range_start, '%Y-%m')
),

lines as (
    select * from api_lines
    union all
    select * from cloud_lines
)

select
    billing_period,
    day,
    provider,
    channel,
    model,
    token_type,
    project,
    team,
    max(billing_currency) as billing_currency,
    sum(tokens) as tokens,
    sum(cost) as cost,
    case
        when sum(tokens) > 0 and sum(cost) is not null
            then cast(sum(cost) * 1000000 / sum(tokens) as decimal(38, 10))
    end as cost_per_million_tokens,
    sum(cost_lines) as cost_lines,
    sum(usage_lines) as usage_lines
from lines
group by billing_period, day, provider, channel, model, token_type, project, team
