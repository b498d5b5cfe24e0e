namespace Gateway.Resilience;

/// <summary>The resilience steps of the request path: bulkhead and total timeout, retries, circuit breakers.</summary>
internal static class ResilienceApplicationBuilderExtensions
{
    /// <summary>Takes a bulkhead slot (or 503 <c>overloaded</c>) and runs the rest under the total timeout.</summary>
    public static IReverseProxyApplicationBuilder UseBulkheadAndTimeout(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<ResilienceMiddleware>();
        return proxy;
    }

    /// <summary>Sends a failed attempt again to another destination when it is safe to.</summary>
    public static IReverseProxyApplicationBuilder UseRetries(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<RetryMiddleware>();
        return proxy;
    }

    /// <summary>Takes destinations whose circuit is open out of the choice (503 <c>circuit-open</c> when none is left).</summary>
    public static IReverseProxyApplicationBuilder UseCircuitFilter(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<CircuitFilterMiddleware>();
        return proxy;
    }

    /// <summary>Runs the attempt through the chosen destination's breaker and attempt timeout.</summary>
    public static IReverseProxyApplicationBuilder UseCircuitBreakers(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<CircuitBreakerMiddleware>();
        return proxy;
    }

    /// <summary>Holds back a retryable 502/503 so the retry can send the request elsewhere.</summary>
    public static IReverseProxyBuilder AddRetryTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms<RetryResponseTransformProvider>();

    /// <summary>Tells the backend the time left (<c>X-Request-Deadline</c>).</summary>
    public static IReverseProxyBuilder AddDeadlineTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms<DeadlineTransformProvider>();
}
