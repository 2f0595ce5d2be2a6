-- model: staging.ai_cloud_lines
-- grain: one row per cost line of a cloud's managed AI service (Amazon Bedrock, Vertex AI, Azure OpenAI / AI Foundry models)
-- materialized: view
-- description: Model spend bought through a cloud, read from its bill: the model and token direction parsed from where each provider encodes them (the CUR usage type USE1-Claude3.5Sonnet-input-tokens, the GCP SKU "Gemini 2.5 Flash GA Text Input - Predictions", the Azure meter "gpt-4o-0806-Inp-glbl Tokens"), and the quantity in tokens whatever the pricing unit (1K or 1M tokens, or a count). token_type: input, output, cache_read, cache_write; null where the line is not tokens (cache storage, training). tokens: null where the unit is not tokens.
with lines as (
    select
        x_source,
        x_billing_period,
        provider,
        service_name,
        sub_account_id,
        charge_period_start,
        billing_currency,
        billed_cost,
        effective_cost,
        usage_quantity,
        usage_unit,
        x_tags_normalized,
        lower(coalesce(x_usage_type, '')) as usage_type,
        lower(coalesce(x_charge_description, '')) as sku,
        lower(trim(coalesce(usage_unit, ''))) as unit,
        case
            when provider = 'AWS' and lower(service_name) like '%bedrock%' then 'bedrock'
            when provider = 'Google Cloud' and lower(service_name) in ('vertex ai', 'gemini api')
                then 'vertex'
            when provider = 'Microsoft' and (
                lower(service_name) in (
                    'cognitive services', 'azure openai', 'azure openai service',
                    'foundry models', 'azure ai foundry models'
                )
            ) and lower(coalesce(x_usage_type, '')) like '% tokens' then 'azure'
        end as family
    from marts.cost_lines
),

parsed as (
    select
        *,
        case family
            when 'bedrock' then case
                when usage_type like '%cache-read-input-token%' then 'cache_read'
                when usage_type like '%cache-write-input-token%' then 'cache_write'
                when usage_type like '%-input-token%' then 'input'
                when usage_type like '%-output-token%' then 'output'
            end
            when 'vertex' then case
                when sku like '%caching storage%' then null
                when sku like '%input%caching%' or sku like '%cached input%' then 'cache_read'
                when sku like '%input - %' or sku like '%input' then 'input'
                when sku like '%output - %' or sku like '%output' then 'output'
            end
            when 'azure' then case
                when usage_type like '% cd wr %' or usage_type like '%cache wr%' then 'cache_write'
                when usage_type like '%cchd%' or usage_type like '%cached%'
                    or usage_type like '% cd %' then 'cache_read'
                when usage_type like '%-inp-%' or usage_type like '% inp %' then 'input'
                when usage_type like '%-outp-%' or usage_type like '% outp %'
                    or usage_type like '% opt %' or usage_type like '%-out-%'
                    or usage_type like '% out %' then 'output'
                when usage_type like '%embedding%' then 'input'
            end
        end as token_type,
        case family
            when 'bedrock' then nullif(regexp_extract(
                usage_type,
                '^(?:[a-z]{2,4}[0-9]-)?(.+?)-(?:mantle-)?(?:input|output|cache-read|cache-write)-',
                1
            ), '')
            when 'vertex' then nullif(regexp_extract(
                sku,
                '^(.+?)(?: ga| global| thinking| long context)* (?:text |image |audio |video )?(?:input|output)',
                1
            ), '')
            when 'azure' then nullif(regexp_extract(
                usage_type,
                '^(.+?)[- ](?:batch[- ])?(?:cd[- ]|cchd[- ]|ccchd[- ]|cached[- ])?(?:inp|input|outp|opt|out|output|glbl|gl|regnl|dzone|dz)[- ]',
                1
            ), '')
        end as model,
        case
            -- Azure's 1K and 1M blocks are already counted in single units (connectors/azure)
            when unit in ('tokens', 'token', 'count', 'units') then 1
            when unit in ('1k', '1k tokens', '1000 tokens', 'k tokens', 'thousand tokens') then 1000
            when unit in ('1m', '1m tokens', '1000000 tokens', 'million tokens') then 1000000
        end as tokens_per_unit
    from lines
    where family is not null
)

select
    x_source,
    x_billing_period,
    provider,
    service_name,
    family,
    sub_account_id,
    cast(charge_period_start as date) as day,
    model,
    token_type,
    usage_quantity,
    usage_unit,
    case
        when token_type is not null and tokens_per_unit is not null
            then cast(usage_quantity * tokens_per_unit as decimal(38, 10))
    end as tokens,
    billing_currency,
    billed_cost,
    effective_cost,
    x_tags_normalized
from parsed
