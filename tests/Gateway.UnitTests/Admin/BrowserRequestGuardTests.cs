using Gateway.Admin;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.Admin;

public sealed class BrowserRequestGuardTests
{
    private static HttpRequest Request(string method, string host, string? origin = null, string? fetchSite = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Host = new HostString(host);
        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }

        if (fetchSite is not null)
        {
            context.Request.Headers["Sec-Fetch-Site"] = fetchSite;
        }

        return context.Request;
    }

    [Theory]
    [InlineData("GET", "127.0.0.1:9901", null, null)]
    [InlineData("GET", "localhost:9901", null, null)]
    [InlineData("GET", "[::1]:9901", null, null)]
    [InlineData("POST", "127.0.0.1:9901", "http://127.0.0.1:9901", "same-origin")]
    [InlineData("POST", "127.0.0.1:9901", null, null)]
    public void Check_OperatorRequests_AreAllowed(string method, string host, string? origin, string? site) =>
        Assert.Null(BrowserRequestGuard.Check(Request(method, host, origin, site), keyConfigured: false));

    [Theory]
    [InlineData("POST", "127.0.0.1:9901", "http://evil.example", null)]
    [InlineData("POST", "127.0.0.1:9901", null, "cross-site")]
    [InlineData("POST", "127.0.0.1:9901", "null", null)]
    [InlineData("GET", "evil.example:9901", null, null)]
    public void Check_CrossSiteOrRebound_IsRefused(string method, string host, string? origin, string? site) =>
        Assert.NotNull(BrowserRequestGuard.Check(Request(method, host, origin, site), keyConfigured: false));

    [Fact]
    public void Check_WithAKey_AllowsOtherHostNamesButNotCrossSitePosts()
    {
        Assert.Null(BrowserRequestGuard.Check(Request("GET", "gateway.internal:9901"), keyConfigured: true));
        Assert.NotNull(BrowserRequestGuard.Check(Request("POST", "gateway.internal:9901", "https://evil.example"), keyConfigured: true));
    }
}
