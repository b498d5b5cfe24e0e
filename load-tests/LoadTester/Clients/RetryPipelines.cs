using Polly;
using Polly.Retry;

namespace LoadTests.Clients;

/// <summary>Builds a client retry policy as a Polly retry pipeline over attempt outcomes.</summary>
internal static class RetryPipelines
{
    public static ResiliencePipeline<AttemptOutcome> Create(ClientRetryPolicy policy, RetrySettings settings, TimeProvider time)
    {
        if (policy == ClientRetryPolicy.None)
        {
            return ResiliencePipeline<AttemptOutcome>.Empty;
        }

        var options = new RetryStrategyOptions<AttemptOutcome>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.IsRetryable && args.Outcome.Exception is null),
            MaxRetryAttempts = settings.MaxRetries,
            MaxDelay = settings.MaxDelay,
        };
        switch (policy)
        {
            case ClientRetryPolicy.Immediate:
                options.BackoffType = DelayBackoffType.Constant;
                options.Delay = TimeSpan.Zero;
                break;
            case ClientRetryPolicy.Fixed:
                options.BackoffType = DelayBackoffType.Constant;
                options.Delay = settings.BaseDelay;
                break;
            case ClientRetryPolicy.ExponentialJitter:
                options.BackoffType = DelayBackoffType.Exponential;
                options.UseJitter = true;
                options.Delay = settings.BaseDelay;
                break;
            case ClientRetryPolicy.HonourRetryAfter:
                options.BackoffType = DelayBackoffType.Exponential;
                options.UseJitter = true;
                options.Delay = settings.BaseDelay;
                var max = settings.MaxDelay;
                options.DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result.RetryAfter is { } after ? (TimeSpan?)(after < max ? after : max) : null);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, null);
        }

        return new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = time }.AddRetry(options).Build();
    }
}
