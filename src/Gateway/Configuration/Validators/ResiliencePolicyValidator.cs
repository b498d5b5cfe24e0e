using Gateway.Resilience;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Resilience</c>: the <c>Retry</c> section and each policy under <c>Policies</c>.</summary>
internal static class ResiliencePolicyValidator
{
    private const string Path = GatewayOptions.SectionName + ":Resilience";

    public static void Validate(ResilienceOptions resilience, ConfigErrorList errors)
    {
        errors.RequireRange($"{Path}:Retry:MaxBufferedBodySize", resilience.Retry.MaxBufferedBodySize, ResilienceConstants.MinBufferedBodySize, ResilienceConstants.MaxBufferedBodySizeLimit);
        if (!resilience.Retry.Enabled)
        {
            foreach (var (name, policy) in resilience.Policies)
            {
                if (policy.Retry.MaxAttempts > 1)
                {
                    errors.Add(
                        $"{Path}:Retry:Enabled",
                        $"false applies only to clusters without a resilience policy, but policy '{name}' retries (Retry:MaxAttempts {policy.Retry.MaxAttempts}); set its MaxAttempts to 1 to turn its retries off.");
                }
            }
        }

        foreach (var (name, policy) in resilience.Policies)
        {
            ValidatePolicy($"{Path}:Policies:{name}", policy, errors);
        }
    }

    private static void ValidatePolicy(string path, ResiliencePolicyOptions policy, ConfigErrorList errors)
    {
        errors.RequireRange($"{path}:Timeout", policy.Timeout, ResilienceConstants.MinTimeout, ResilienceConstants.MaxTimeout);
        if (policy.AttemptTimeout is { } attempt)
        {
            errors.RequireRange($"{path}:AttemptTimeout", attempt, ResilienceConstants.MinTimeout, policy.Timeout);
        }

        if (policy.IdleTimeout is { } idle)
        {
            errors.RequireRange($"{path}:IdleTimeout", idle, ResilienceConstants.MinTimeout, ResilienceConstants.MaxIdleTimeout);
        }

        var breaker = policy.CircuitBreaker;
        if (double.IsNaN(breaker.FailureRatio) || breaker.FailureRatio <= ResilienceConstants.FailureRatioAbove || breaker.FailureRatio > ResilienceConstants.MaxFailureRatio)
        {
            errors.Add(
                $"{path}:CircuitBreaker:FailureRatio",
                $"must be above {ResilienceConstants.FailureRatioAbove} and at most {ResilienceConstants.MaxFailureRatio} (was {breaker.FailureRatio}).");
        }

        errors.RequireRange($"{path}:CircuitBreaker:MinimumThroughput", breaker.MinimumThroughput, ResilienceConstants.MinMinimumThroughput, ResilienceConstants.MaxMinimumThroughput);
        errors.RequireRange($"{path}:CircuitBreaker:SamplingDuration", breaker.SamplingDuration, ResilienceConstants.MinBreakOrSampling, ResilienceConstants.MaxBreakOrSampling);
        errors.RequireRange($"{path}:CircuitBreaker:BreakDuration", breaker.BreakDuration, ResilienceConstants.MinBreakOrSampling, ResilienceConstants.MaxBreakOrSampling);
        errors.RequireRange($"{path}:CircuitBreaker:MaxBreakDuration", breaker.MaxBreakDuration, breaker.BreakDuration, ResilienceConstants.MaxBreakOrSampling);
        RequireStatusCodes($"{path}:CircuitBreaker:FailureStatusCodes", breaker.FailureStatusCodes, errors);

        var retry = policy.Retry;
        errors.RequireRange($"{path}:Retry:MaxAttempts", retry.MaxAttempts, ResilienceConstants.MinMaxAttempts, ResilienceConstants.MaxMaxAttempts);
        errors.RequireRange($"{path}:Retry:BackoffBaseDelay", retry.BackoffBaseDelay, ResilienceConstants.MinBackoffDelay, ResilienceConstants.MaxBackoffDelay);
        errors.RequireRange($"{path}:Retry:BackoffMaxDelay", retry.BackoffMaxDelay, retry.BackoffBaseDelay, ResilienceConstants.MaxBackoffDelay);
        errors.RequireRange($"{path}:Retry:BudgetPercent", retry.BudgetPercent, ResilienceConstants.MinBudgetPercent, ResilienceConstants.MaxBudgetPercent);
        errors.RequireRange($"{path}:Retry:MinRetriesPerSecond", retry.MinRetriesPerSecond, ResilienceConstants.MinMinRetriesPerSecond, ResilienceConstants.MaxMinRetriesPerSecond);
        RequireStatusCodes($"{path}:Retry:StatusCodes", retry.StatusCodes, errors);

        var bulkhead = policy.Bulkhead;
        errors.RequireRange($"{path}:Bulkhead:MaxConcurrentRequests", bulkhead.MaxConcurrentRequests, ResilienceConstants.MinConcurrentRequests, ResilienceConstants.MaxConcurrentRequestsLimit);
        errors.RequireRange($"{path}:Bulkhead:QueueLimit", bulkhead.QueueLimit, ResilienceConstants.MinQueueLimit, ResilienceConstants.MaxQueueLimit);
        errors.RequireRange($"{path}:Bulkhead:QueueTimeout", bulkhead.QueueTimeout, ResilienceConstants.MinTimeout, ResilienceConstants.MaxTimeout);
    }

    private static void RequireStatusCodes(string path, IReadOnlyList<int>? statuses, ConfigErrorList errors)
    {
        if (statuses is null)
        {
            return;
        }

        for (var i = 0; i < statuses.Count; i++)
        {
            if (statuses[i] is < ResilienceConstants.MinStatusCode or > ResilienceConstants.MaxStatusCode)
            {
                errors.Add($"{path}:{i}", $"must be a 5xx status code, {ResilienceConstants.MinStatusCode} to {ResilienceConstants.MaxStatusCode} (was {statuses[i]}).");
            }
        }
    }
}
