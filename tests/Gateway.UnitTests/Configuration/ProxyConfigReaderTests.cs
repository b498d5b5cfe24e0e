using System.Security.Authentication;
using Gateway.Configuration;
using Gateway.Utilities;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Configuration;

public sealed class ProxyConfigReaderTests
{
    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

    [Fact]
    public void Read_YarpSchema_BindsRoutesClustersAndHandReadKeys()
    {
        var config = Json("""
            { "ReverseProxy": {
              "Routes": { "r1": { "ClusterId": "c1", "Order": 3,
                  "Match": { "Path": "/api/{**rest}", "Methods": [ "GET" ], "Headers": [ { "Name": "x", "Values": [ "a" ], "Mode": "ExactHeader" } ] },
                  "Transforms": [ { "PathRemovePrefix": "/api" } ], "Metadata": { "Priority": "critical" } } },
              "Clusters": { "c1": {
                  "HttpClient": { "SslProtocols": [ "Tls12", "Tls13" ], "MaxConnectionsPerServer": 10 },
                  "HttpRequest": { "ActivityTimeout": "00:00:10", "Version": "2" },
                  "Metadata": { "FailoverPolicy": "p" },
                  "Destinations": { "d1": { "Address": "http://127.0.0.1:1/", "Metadata": { "Region": "eu" } } } } } } }
            """);
        var errors = new ConfigErrorList();

        var (routes, clusters) = ProxyConfigReader.Read(config, errors);

        Assert.Empty(errors.Errors);
        var route = Assert.Single(routes);
        Assert.Equal("r1", route.RouteId);
        Assert.Equal(3, route.Order);
        Assert.Equal("/api/{**rest}", route.Match.Path);
        Assert.Equal("a", route.Match.Headers![0].Values![0]);
        Assert.Equal("/api", route.Transforms![0]["PathRemovePrefix"]);
        Assert.Equal("critical", route.Metadata!["priority"]);
        var cluster = Assert.Single(clusters);
        Assert.Equal("c1", cluster.ClusterId);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, cluster.HttpClient!.SslProtocols);
        Assert.Equal(10, cluster.HttpClient.MaxConnectionsPerServer);
        Assert.Equal(new Version(2, 0), cluster.HttpRequest!.Version);
        Assert.Equal(TimeSpan.FromSeconds(10), cluster.HttpRequest.ActivityTimeout);
        Assert.Equal("eu", cluster.Destinations!["D1"].Metadata!["region"]);
    }

    [Fact]
    public void Read_MisspelledKey_ReportsUnknownKeyWithPath()
    {
        var config = Json("""{ "ReverseProxy": { "Routes": { "r1": { "ClusterId": "c1", "Match": { "Path": "/" }, "RateLimitPolicy": "x" } } } }""");
        var errors = new ConfigErrorList();

        ProxyConfigReader.Read(config, errors);

        var error = Assert.Single(errors.Errors);
        Assert.Equal("ReverseProxy:Routes:r1", error.Path);
        Assert.Contains("'RateLimitPolicy'", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongValueType_ReportsTheKey()
    {
        var config = Json("""{ "ReverseProxy": { "Routes": { "r1": { "ClusterId": "c1", "Order": "first", "Match": { "Path": "/" } } } } }""");
        var errors = new ConfigErrorList();

        ProxyConfigReader.Read(config, errors);

        var error = Assert.Single(errors.Errors);
        Assert.Contains("ReverseProxy:Routes:r1:Order", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"SslProtocols\": [ \"Tls99\" ]", "HttpClient:SslProtocols", "Tls99")]
    [InlineData("\"Version\": \"7\"", "HttpRequest:Version", "not an HTTP version")]
    public void Read_BadHandReadValues_AreErrors(string fragment, string pathSuffix, string reason)
    {
        var section = pathSuffix.StartsWith("HttpClient", StringComparison.Ordinal) ? "HttpClient" : "HttpRequest";
        var config = Json($$"""{ "ReverseProxy": { "Clusters": { "c1": { "{{section}}": { {{fragment}} } } } } }""");
        var errors = new ConfigErrorList();

        ProxyConfigReader.Read(config, errors);

        var error = Assert.Single(errors.Errors);
        Assert.Equal($"ReverseProxy:Clusters:c1:{pathSuffix}", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownTopLevelKey_IsAnError()
    {
        var config = Json("""{ "ReverseProxy": { "Route": { } } }""");
        var errors = new ConfigErrorList();

        ProxyConfigReader.Read(config, errors);

        Assert.Equal("ReverseProxy:Route", Assert.Single(errors.Errors).Path);
    }
}
