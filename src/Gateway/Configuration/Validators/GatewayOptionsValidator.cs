using Gateway.Admin;
using Gateway.Resilience;
using Gateway.Limits;
using Gateway.Failover;
using Gateway.Health;
using Gateway.Hosting;
using Gateway.Shedding;
using Gateway.Telemetry;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for the <c>Gateway</c> section, each error naming its key path and the allowed range.</summary>
internal static class GatewayOptionsValidator
{
    private const string Root = GatewayOptions.SectionName;

    public static IReadOnlyList<ConfigError> Validate(GatewayOptions options)
    {
        var errors = new ConfigErrorList();
        ValidateAdmin(options.Admin, errors);
        ValidateTelemetry(options.Telemetry, errors);
        foreach (var (name, policy) in options.Failover.Policies)
        {
            ValidateFailoverPolicy($"{Root}:Failover:Policies:{name}", policy, errors);
        }

        ValidateHealth(options.Health, errors);
        errors.RequireRange($"{Root}:Resilience:Retry:MaxBufferedBodySize", options.Resilience.Retry.MaxBufferedBodySize, 0, ResilienceConstants.MaxBufferedBodySizeLimit);
        if (!options.Resilience.Retry.Enabled)
        {
            foreach (var (name, policy) in options.Resilience.Policies)
            {
                if (policy.Retry.MaxAttempts > 1)
                {
                    errors.Add(
                        $"{Root}:Resilience:Retry:Enabled",
                        $"false applies only to clusters without a resilience policy, but policy '{name}' retries (Retry:MaxAttempts {policy.Retry.MaxAttempts}); set its MaxAttempts to 1 to turn its retries off.");
                }
            }
        }
        foreach (var (name, policy) in options.Resilience.Policies)
        {
            ValidateResiliencePolicy($"{Root}:Resilience:Policies:{name}", policy, errors);
        }

        RateLimitingValidator.Validate(options, errors);
        RedisValidator.Validate(options.Redis, errors);
        RateLimitingValidator.ValidateClientIdentity(options.ClientIdentity, errors);
        ValidateLimits(options.Limits, errors);
        ValidateShedding(options.Shedding, errors);
        return errors.Errors;
    }

    private static void ValidateAdmin(AdminOptions admin, ConfigErrorList errors)
    {
        const string path = Root + ":Admin";
        var listeners = ListenerAddress.ParseList(admin.Urls, out var urlError);
        if (listeners is null)
        {
            errors.Add($"{path}:Urls", urlError!);
            return;
        }

        if (admin.ApiKey is not null && admin.ApiKey.Length < AdminConstants.MinApiKeyLength)
        {
            errors.Add($"{path}:ApiKey", $"must be at least {AdminConstants.MinApiKeyLength} characters long.");
        }

        if (string.IsNullOrEmpty(admin.ApiKey) && listeners.Any(l => !l.IsLoopback))
        {
            errors.Add($"{path}:ApiKey", "is required when Gateway:Admin:Urls binds a non-loopback address.");
        }
    }

    private static void ValidateTelemetry(TelemetryOptions telemetry, ConfigErrorList errors)
    {
        const string path = Root + ":Telemetry";
        if (string.IsNullOrWhiteSpace(telemetry.ServiceName))
        {
            errors.Add($"{path}:ServiceName", "must not be empty.");
        }

        var otlp = telemetry.Otlp;
        if (otlp.Endpoint is not null &&
            (!Uri.TryCreate(otlp.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{path}:Otlp:Endpoint", $"must be an absolute http or https URL (was '{otlp.Endpoint}').");
        }

        if (otlp.Protocol is not (TelemetryConstants.OtlpGrpc or TelemetryConstants.OtlpHttpProtobuf))
        {
            errors.Add($"{path}:Otlp:Protocol", $"must be '{TelemetryConstants.OtlpGrpc}' or '{TelemetryConstants.OtlpHttpProtobuf}' (was '{otlp.Protocol}').");
        }
    }

    private static void ValidateFailoverPolicy(string path, FailoverPolicyOptions policy, ConfigErrorList errors)
    {
        if (policy.Regions.Count == 0)
        {
            errors.Add($"{path}:Regions", "must list at least one region, most preferred first.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < policy.Regions.Count; i++)
        {
            var region = policy.Regions[i];
            if (string.IsNullOrWhiteSpace(region))
            {
                errors.Add($"{path}:Regions:{i}", "must not be empty.");
            }
            else if (!seen.Add(region))
            {
                errors.Add($"{path}:Regions:{i}", $"region '{region}' is listed twice.");
            }
        }

        errors.RequireRange($"{path}:MinHealthyFraction", policy.MinHealthyFraction, 0, 1);
        errors.RequireRange($"{path}:FailbackDelay", policy.FailbackDelay, TimeSpan.Zero, FailoverConstants.MaxDelay);
        errors.RequireRange($"{path}:SlowStart", policy.SlowStart, TimeSpan.Zero, FailoverConstants.MaxDelay);
    }

    private static void ValidateHealth(HealthOptions health, ConfigErrorList errors)
    {
        const string path = Root + ":Health";
        var outlier = health.OutlierDetection;
        errors.RequireRange($"{path}:PanicThreshold", health.PanicThreshold, 0, 1);
        errors.RequireRange($"{path}:OutlierDetection:ConsecutiveFailures", outlier.ConsecutiveFailures, 1, 1000);
        errors.RequireRange($"{path}:OutlierDetection:BaseEjectionTime", outlier.BaseEjectionTime, HealthConstants.MinEjectionTime, HealthConstants.MaxEjectionTimeLimit);
        errors.RequireRange($"{path}:OutlierDetection:EjectionTimeMultiplier", outlier.EjectionTimeMultiplier, 1, 10);
        errors.RequireRange($"{path}:OutlierDetection:MaxEjectionTime", outlier.MaxEjectionTime, outlier.BaseEjectionTime, HealthConstants.MaxEjectionTimeLimit);
        errors.RequireRange($"{path}:OutlierDetection:MaxEjectionPercent", outlier.MaxEjectionPercent, 0, 100);
    }

    private static void ValidateResiliencePolicy(string path, ResiliencePolicyOptions policy, ConfigErrorList errors)
    {
        errors.RequireRange($"{path}:Timeout", policy.Timeout, ResilienceConstants.MinTimeout, ResilienceConstants.MaxTimeout);
        if (policy.AttemptTimeout is { } attempt)
        {
            errors.RequireRange($"{path}:AttemptTimeout", attempt, ResilienceConstants.MinTimeout, policy.Timeout);
        }

        var breaker = policy.CircuitBreaker;
        if (double.IsNaN(breaker.FailureRatio) || breaker.FailureRatio <= 0 || breaker.FailureRatio > 1)
        {
            errors.Add($"{path}:CircuitBreaker:FailureRatio", $"must be above 0 and at most 1 (was {breaker.FailureRatio}).");
        }

        errors.RequireRange($"{path}:CircuitBreaker:MinimumThroughput", breaker.MinimumThroughput, ResilienceConstants.MinMinimumThroughput, ResilienceConstants.MaxMinimumThroughput);
        errors.RequireRange($"{path}:CircuitBreaker:SamplingDuration", breaker.SamplingDuration, ResilienceConstants.MinBreakOrSampling, ResilienceConstants.MaxBreakOrSampling);
        errors.RequireRange($"{path}:CircuitBreaker:BreakDuration", breaker.BreakDuration, ResilienceConstants.MinBreakOrSampling, ResilienceConstants.MaxBreakOrSampling);
        errors.RequireRange($"{path}:CircuitBreaker:MaxBreakDuration", breaker.MaxBreakDuration, breaker.BreakDuration, ResilienceConstants.MaxBreakOrSampling);
        RequireStatusCodes($"{path}:CircuitBreaker:FailureStatusCodes", breaker.FailureStatusCodes, errors);

        var retry = policy.Retry;
        errors.RequireRange($"{path}:Retry:MaxAttempts", retry.MaxAttempts, 1, ResilienceConstants.MaxMaxAttempts);
        errors.RequireRange($"{path}:Retry:BackoffBaseDelay", retry.BackoffBaseDelay, TimeSpan.Zero, ResilienceConstants.MaxBackoffDelay);
        errors.RequireRange($"{path}:Retry:BackoffMaxDelay", retry.BackoffMaxDelay, retry.BackoffBaseDelay, ResilienceConstants.MaxBackoffDelay);
        errors.RequireRange($"{path}:Retry:BudgetPercent", retry.BudgetPercent, 0, 100);
        errors.RequireRange($"{path}:Retry:MinRetriesPerSecond", retry.MinRetriesPerSecond, 0, ResilienceConstants.MaxMinRetriesPerSecond);
        RequireStatusCodes($"{path}:Retry:StatusCodes", retry.StatusCodes, errors);

        var bulkhead = policy.Bulkhead;
        errors.RequireRange($"{path}:Bulkhead:MaxConcurrentRequests", bulkhead.MaxConcurrentRequests, 1, ResilienceConstants.MaxConcurrentRequestsLimit);
        errors.RequireRange($"{path}:Bulkhead:QueueLimit", bulkhead.QueueLimit, 0, ResilienceConstants.MaxQueueLimit);
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
            if (statuses[i] is < 500 or > 599)
            {
                errors.Add($"{path}:{i}", $"must be a 5xx status code, 500 to 599 (was {statuses[i]}).");
            }
        }
    }

    private static void ValidateShedding(SheddingOptions shedding, ConfigErrorList errors)
    {
        const string path = SheddingConstants.SectionPath;
        errors.RequireRange($"{path}:MinLimit", shedding.MinLimit, 1, SheddingConstants.LimitCeiling);
        errors.RequireRange($"{path}:MaxLimit", shedding.MaxLimit, Math.Max(1, shedding.MinLimit), SheddingConstants.LimitCeiling);
        if (shedding.MinLimit <= shedding.MaxLimit)
        {
            // Otherwise the range is empty and the error above already names the cause.
            errors.RequireRange($"{path}:InitialLimit", shedding.InitialLimit, Math.Max(1, shedding.MinLimit), Math.Min(shedding.MaxLimit, SheddingConstants.LimitCeiling));
        }
        errors.RequireRange($"{path}:QueueLimit", shedding.QueueLimit, 0, SheddingConstants.MaxQueueLimit);
        errors.RequireRange($"{path}:QueueTimeout", shedding.QueueTimeout, TimeSpan.Zero, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{path}:StandingQueueWait", shedding.StandingQueueWait, TimeSpan.Zero, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{path}:StandingQueueInterval", shedding.StandingQueueInterval, SheddingConstants.MinStandingQueueInterval, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{path}:CriticalReservedFraction", shedding.CriticalReservedFraction, 0, SheddingConstants.MaxCriticalReservedFraction);
        errors.RequireRange($"{path}:SheddableFraction", shedding.SheddableFraction, 0, 1);
        errors.RequireRange($"{path}:Tolerance", shedding.Tolerance, 1, SheddingConstants.MaxTolerance);
        if (double.IsNaN(shedding.Smoothing) || shedding.Smoothing <= 0 || shedding.Smoothing > 1)
        {
            errors.Add($"{path}:Smoothing", $"must be above 0 and at most 1 (was {shedding.Smoothing}).");
        }

        errors.RequireRange($"{path}:SampleWindow", shedding.SampleWindow, SheddingConstants.MinSampleWindow, SheddingConstants.MaxSampleWindow);
        errors.RequireRange($"{path}:BaselineWindow", shedding.BaselineWindow, shedding.SampleWindow, SheddingConstants.MaxBaselineWindow);
        errors.RequireRange($"{path}:RetryAfterMinSeconds", shedding.RetryAfterMinSeconds, 0, SheddingConstants.MaxRetryAfterSeconds);
        errors.RequireRange($"{path}:RetryAfterMaxSeconds", shedding.RetryAfterMaxSeconds, shedding.RetryAfterMinSeconds, SheddingConstants.MaxRetryAfterSeconds);
    }

    private static void ValidateLimits(LimitsOptions limits, ConfigErrorList errors)
    {
        const string path = LimitsConstants.SectionPath;
        errors.RequireRange($"{path}:MaxConcurrentConnections", limits.MaxConcurrentConnections, 1, LimitsConstants.MaxConcurrentConnectionsLimit);
        RequireConnectionRate($"{path}:MaxNewConnectionsPerSecond", limits.MaxNewConnectionsPerSecond, errors);
        RequireConnectionRate($"{path}:MaxNewConnectionsPerSecondPerClient", limits.MaxNewConnectionsPerSecondPerClient, errors);
        errors.RequireRange($"{path}:RequestHeadersTimeout", limits.RequestHeadersTimeout, LimitsConstants.MinRequestHeadersTimeout, LimitsConstants.MaxRequestHeadersTimeout);
        errors.RequireRange($"{path}:KeepAliveTimeout", limits.KeepAliveTimeout, LimitsConstants.MinKeepAliveTimeout, LimitsConstants.MaxKeepAliveTimeout);
        errors.RequireRange($"{path}:MinRequestBodyDataRate", limits.MinRequestBodyDataRate, 0, LimitsConstants.MaxMinDataRate);
        errors.RequireRange($"{path}:MinResponseDataRate", limits.MinResponseDataRate, 0, LimitsConstants.MaxMinDataRate);
        errors.RequireRange($"{path}:MinDataRateGracePeriod", limits.MinDataRateGracePeriod, LimitsConstants.MinMinDataRateGracePeriod, LimitsConstants.MaxMinDataRateGracePeriod);
        errors.RequireRange($"{path}:MaxRequestHeaderCount", limits.MaxRequestHeaderCount, 1, LimitsConstants.MaxRequestHeaderCountLimit);
        errors.RequireRange($"{path}:MaxRequestHeadersTotalSize", limits.MaxRequestHeadersTotalSize, LimitsConstants.MinRequestHeadersTotalSize, LimitsConstants.MaxRequestHeadersTotalSizeLimit);
        errors.RequireRange($"{path}:MaxRequestLineSize", limits.MaxRequestLineSize, LimitsConstants.MinRequestLineSize, LimitsConstants.MaxRequestLineSizeLimit);
        errors.RequireRange($"{path}:MaxRequestBodySize", limits.MaxRequestBodySize, 0, LimitsConstants.MaxRequestBodySizeLimit);
        errors.RequireRange($"{path}:ListenBacklog", limits.ListenBacklog, 16, LimitsConstants.MaxListenBacklog);
        errors.RequireRange($"{path}:Http2MaxStreamsPerConnection", limits.Http2MaxStreamsPerConnection, 1, LimitsConstants.MaxHttp2MaxStreamsPerConnection);
        if (!string.Equals(limits.Protocols, LimitsConstants.ProtocolsHttp1, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(limits.Protocols, LimitsConstants.ProtocolsHttp2, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}:Protocols", $"must be '{LimitsConstants.ProtocolsHttp1}' or '{LimitsConstants.ProtocolsHttp2}' (was '{limits.Protocols}').");
        }

        errors.RequireRange($"{path}:UpstreamConnectTimeout", limits.UpstreamConnectTimeout, LimitsConstants.MinUpstreamTimeout, LimitsConstants.MaxUpstreamConnectTimeout);
        errors.RequireRange($"{path}:UpstreamActivityTimeout", limits.UpstreamActivityTimeout, LimitsConstants.MinUpstreamTimeout, LimitsConstants.MaxUpstreamActivityTimeout);
    }

    private static void RequireConnectionRate(string path, int value, ConfigErrorList errors)
    {
        if (value is < 0 or > LimitsConstants.MaxNewConnectionsPerSecondLimit)
        {
            errors.Add(path, $"must be between 0 (off) and {LimitsConstants.MaxNewConnectionsPerSecondLimit} new connections per second (was {value}).");
        }
    }
}
