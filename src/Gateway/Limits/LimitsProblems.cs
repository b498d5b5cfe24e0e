using Gateway.Answers;
using Gateway.Telemetry;

namespace Gateway.Limits;

/// <summary>The answers the edge gives to requests it refuses before routing, built once.</summary>
internal static class LimitsProblems
{
    public static GatewayProblem UnderscoreHeader { get; } = GatewayProblem.Create(
        StatusCodes.Status400BadRequest,
        GatewayReason.BadRequest,
        "Header name with an underscore",
        "Header names containing '_' are refused: proxies and frameworks that map '_' and '-' to the same name let such a header impersonate another.");

    public static GatewayProblem AbsoluteFormTarget { get; } = GatewayProblem.Create(
        StatusCodes.Status400BadRequest,
        GatewayReason.BadRequest,
        "Absolute request target",
        "The gateway is a reverse proxy for its configured routes; absolute-form request targets (forward-proxy requests) are refused.");

    public static GatewayProblem AsteriskTarget { get; } = GatewayProblem.Create(
        StatusCodes.Status400BadRequest,
        GatewayReason.BadRequest,
        "Asterisk request target",
        "OPTIONS * asks about the server, not a route; the gateway does not forward it.");

    public static GatewayProblem ConnectMethod { get; } = GatewayProblem.Create(
        StatusCodes.Status400BadRequest,
        GatewayReason.BadRequest,
        "CONNECT refused",
        "The gateway does not open tunnels; CONNECT is refused.");

    public static GatewayProblem RequestTooLarge { get; } = GatewayProblem.Create(
        StatusCodes.Status413PayloadTooLarge,
        GatewayReason.RequestTooLarge,
        "Request body too large",
        "The request body is over the route's MaxRequestBodySize.");
}
