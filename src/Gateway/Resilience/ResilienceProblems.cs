using Gateway.Answers;
using Gateway.Telemetry;

namespace Gateway.Resilience;

/// <summary>The answers the resilience policies give, built once.</summary>
internal static class ResilienceProblems
{
    public static GatewayProblem CircuitOpen { get; } = GatewayProblem.Create(
        StatusCodes.Status503ServiceUnavailable,
        GatewayReason.CircuitOpen,
        "Circuit open",
        "Every destination of the route's cluster failed too often recently; the gateway stopped sending to them for a while.");

    public static GatewayProblem Overloaded { get; } = GatewayProblem.Create(
        StatusCodes.Status503ServiceUnavailable,
        GatewayReason.Overloaded,
        "Overloaded",
        "The route's cluster has as many requests in flight as it is allowed; the gateway refused this one instead of queueing it.");
}
