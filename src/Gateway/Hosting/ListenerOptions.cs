namespace Gateway.Hosting;

/// <summary>The parsed listeners, fixed at start-up.</summary>
internal sealed record GatewayListeners(IReadOnlyList<ListenerAddress> Proxy, IReadOnlyList<ListenerAddress> Admin);
