using Gateway.Answers;
using Gateway.Telemetry;

namespace Gateway.Resilience;

/// <summary>The answer an open circuit gives, built once; a full bulkhead gives <see cref="GatewayProblem.Overloaded"/>.</summary>
internal static class ResilienceProblems
{
    public static GatewayProblem CircuitOpen { get; } = GatewayProblem.Create(
        StatusCodes.Status503ServiceUnavailable,
        GatewayReason.CircuitOpen,
        "Circuit open",
        "Every destination of the route's cluster failed too often recently; the gateway stopped sending to them for a while.");
}
