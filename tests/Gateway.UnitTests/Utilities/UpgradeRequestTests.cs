using Gateway.Utilities;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Utilities;

public sealed class UpgradeRequestTests
{
    [Theory]
    [InlineData("websocket", true)]
    [InlineData("WebSocket", true)]
    [InlineData("SPDY/3.1", true)]
    [InlineData("", false)]
    [InlineData("h2c", false)]
    [InlineData("foo", false)]
    [InlineData("websocket, foo", false)]
    public void IsForwardedAsUpgrade_UpgradableHttp11_OnlyWhatYarpUpgrades(string upgrade, bool expected)
    {
        var context = Context(upgradable: true, extendedConnect: null);
        if (upgrade.Length > 0)
        {
            context.Request.Headers.Upgrade = upgrade;
        }

        Assert.Equal(expected, UpgradeRequest.IsForwardedAsUpgrade(context));
    }

    [Fact]
    public void IsForwardedAsUpgrade_WebSocketHeaderWithoutConnectionUpgrade_False()
    {
        var context = Context(upgradable: false, extendedConnect: null);
        context.Request.Headers.Upgrade = "websocket";

        Assert.False(UpgradeRequest.IsForwardedAsUpgrade(context));
    }

    [Theory]
    [InlineData("websocket", true)]
    [InlineData("webtransport", false)]
    public void IsForwardedAsUpgrade_ExtendedConnect_OnlyForWebSocket(string protocol, bool expected)
    {
        var context = Context(upgradable: false, extendedConnect: protocol);

        Assert.Equal(expected, UpgradeRequest.IsForwardedAsUpgrade(context));
    }

    private static DefaultHttpContext Context(bool upgradable, string? extendedConnect)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpUpgradeFeature>(new Upgrade(upgradable));
        if (extendedConnect is not null)
        {
            context.Features.Set<IHttpExtendedConnectFeature>(new ExtendedConnect(extendedConnect));
        }

        return context;
    }

    private sealed class Upgrade(bool upgradable) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => upgradable;

        public Task<Stream> UpgradeAsync() => throw new NotSupportedException();
    }

    private sealed class ExtendedConnect(string protocol) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => true;

        public string? Protocol => protocol;

        public ValueTask<Stream> AcceptAsync() => throw new NotSupportedException();
    }
}
