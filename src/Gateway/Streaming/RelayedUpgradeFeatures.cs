using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Streaming;

/// <summary>
/// Kestrel's upgrade features with the upgraded stream wrapped in a <see cref="WebSocketRelayStream"/>, as YARP's own
/// WebSocket telemetry wraps them: the forwarder then copies the conversation through the relay.
/// </summary>
internal sealed class RelayedUpgradeFeature(IHttpUpgradeFeature inner, Func<Stream, Stream> relay) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync() => relay(await inner.UpgradeAsync());
}

/// <summary>The HTTP/2 form (RFC 8441 extended CONNECT) of <see cref="RelayedUpgradeFeature"/>.</summary>
internal sealed class RelayedExtendedConnectFeature(IHttpExtendedConnectFeature inner, Func<Stream, Stream> relay) : IHttpExtendedConnectFeature
{
    public bool IsExtendedConnect => inner.IsExtendedConnect;

    public string? Protocol => inner.Protocol;

    public async ValueTask<Stream> AcceptAsync() => relay(await inner.AcceptAsync());
}
