using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Failover;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Playwright;
using SampleBackend;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Admin.OperatorConsole;

/// <summary>
/// The console in headless Chromium against a real gateway and real backends in two regions. Runs with the serial
/// tests: a browser beside the parallel functional tests on a two-core runner makes every timing in them noisy.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class OperatorConsolePageTests(ITestOutputHelper output)
{
    private const string AdminKey = "console-test-key-0123456789";

    // docs/console.png is this test's failover screenshot with a few minutes of traffic before it:
    // GATEWAY_CONSOLE_WARMUP_SECONDS=120 dotnet test --filter OperatorConsolePageTests
    private static readonly int WarmupSeconds =
        int.TryParse(Environment.GetEnvironmentVariable("GATEWAY_CONSOLE_WARMUP_SECONDS"), out var seconds) ? seconds : 0;
    private static readonly float Timeout = 20_000;

    [Fact]
    public async Task Console_InstanceDownedThenRegionDrainedByButton_TilesAndRegionsFollow()
    {
        // Cluster "api" fails over from eu-west to us-east; cluster "legacy" lives in eu-west only.
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west", "us-1@us-east", "us-2@us-east", "legacy-1@eu-west");
        var legacy = backends.Find("legacy-1")!;
        var config = RegionFailoverTests.Config(backends.Instances.Where(i => i != legacy), failbackDelay: "00:00:05", slowStart: "00:00:10");
        config["ReverseProxy"]!["Routes"]!["legacy"] = new JsonObject { ["ClusterId"] = "legacy", ["Match"] = new JsonObject { ["Path"] = "/legacy/{**rest}" } };
        config["ReverseProxy"]!["Clusters"]!["legacy"] = TestConfig.Cluster([legacy], activeHealth: true);
        config["Gateway"]!["Admin"] = new JsonObject { ["ApiKey"] = AdminKey };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        gateway.Admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        foreach (var remote in backends.InRegion("us-east"))
        {
            remote.Faults.LatencyMs = 15; // the fallback region is further away
        }

        // Paced, not back to back: the request rate stays put when latency changes, as real clients' would.
        await using var load = new PacedLoad(gateway.Proxy, "/api/console", clients: 4, TimeSpan.FromMilliseconds(20));
        await using var legacyLoad = new PacedLoad(gateway.Proxy, "/legacy/console", clients: 1, TimeSpan.FromMilliseconds(100));
        await Task.Delay(TimeSpan.FromSeconds(WarmupSeconds));
        await using var chromium = await HeadlessChromium.StartAsync();
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 600 } });
        var confirms = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            confirms.Add($"{dialog.Type}: {dialog.Message}");
            await dialog.AcceptAsync();
        };

        // The page itself is open; the key is asked for once and sent by the page's script.
        await page.GotoAsync(gateway.AdminUrl.ToString());
        await page.Locator("#key-input").FillAsync(AdminKey, new LocatorFillOptions { Timeout = Timeout });
        await page.Locator("#key-form button[type=submit]").ClickAsync();
        await WaitForAsync(page, Tile("eu-1", "healthy"));
        await WaitForAsync(page, $"[data-cluster='api'] {Region("eu-west")} .badge.ok");

        await backends.Find("eu-1")!.DownAsync();
        await WaitForAsync(page, Tile("eu-1", "unhealthy", "ejected", "unavailable"));
        Assert.Equal("healthy", await page.Locator(Tile("eu-2")).GetAttributeAsync("data-state"));

        // A region failover: eu-west is gone, us-east carries api's traffic and legacy is refused at the gateway.
        await Task.WhenAll(backends.Find("eu-2")!.DownAsync(), legacy.DownAsync());
        await WaitForAsync(page, Tile("eu-2", "unhealthy", "ejected", "unavailable"));
        await WaitForTextAsync(page, $"[data-cluster='api'] {Region("us-east")} .share", "100%");
        await WaitForAsync(page, "#rej-legend [data-reason]");
        await Task.Delay(TimeSpan.FromSeconds(2.5 + (WarmupSeconds / 10.0))); // a few chart points after the failover
        await ScreenshotAsync(page, "console-failover.png");

        // The operator drains the failed region from the page.
        await page.Locator($"[data-cluster='api'] button[data-region='eu-west'][data-action='drain']").ClickAsync();
        await WaitForAsync(page, $"[data-cluster='api'] {Region("eu-west")}[data-drained='true']");
        await WaitForAsync(page, $"[data-cluster='api'] button[data-region='eu-west'][data-action='undrain']");
        var regions = await gateway.Admin.GetFromJsonAsync<JsonObject>("/admin/regions");
        await ScreenshotAsync(page, "console-drained.png");

        Assert.Contains("eu-west", regions!["drained"]!.AsArray().Select(r => (string?)r));
        var confirm = Assert.Single(confirms);
        Assert.StartsWith("confirm: Drain region eu-west?", confirm, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_RoutesWithAndWithoutIdentityPolicy_ShowWhoMayCallEach()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = Identity.IdentityTestConfig.ApiKeys(backends.Instances);
        config["ReverseProxy"]!["Routes"]!["public"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = "/public/{**rest}" } };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        await using var chromium = await HeadlessChromium.StartAsync();
        var page = await chromium.Browser.NewPageAsync();

        await page.GotoAsync(gateway.AdminUrl.ToString());
        await WaitForAsync(page, "[data-route-identity='api']");

        Assert.Equal("api keys (ApiKey)", await page.Locator("[data-route-identity='api']").TextContentAsync());
        Assert.Equal("public open", await page.Locator("[data-route-identity='public']").TextContentAsync());
    }

    [Fact]
    public async Task Console_ClusterStatusWithEveryState_TilesColouredByStateAndFieldsOfLaterFeaturesShown()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));
        await using var chromium = await HeadlessChromium.StartAsync();
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 600 } });
        // The circuit breaker and adaptive concurrency add their fields later; the page must pick them up unchanged.
        await page.RouteAsync("**/admin/clusters", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "application/json",
            Body = AllStatesClusters(DateTimeOffset.UtcNow),
        }));

        await page.GotoAsync(gateway.AdminUrl.ToString());
        await WaitForAsync(page, Tile("healthy-1", "healthy"));

        Assert.Equal("ejected", await StateOfAsync(page, "ejected-1"));
        Assert.Matches("^[1-6]?[0-9] s left · ejected 2×$", await page.Locator(Tile("ejected-1") + " .detail").TextContentAsync());
        Assert.Equal("circuit-open", await StateOfAsync(page, "open-1"));
        Assert.Equal("half-open", await StateOfAsync(page, "half-1"));
        Assert.Equal("unhealthy", await StateOfAsync(page, "down-1"));
        Assert.Equal("slow-start", await StateOfAsync(page, "slow-1"));
        Assert.Equal("weight 40%", await page.Locator(Tile("slow-1") + " .detail").TextContentAsync());
        Assert.Equal("drained", await StateOfAsync(page, "drained-1"));
        Assert.Equal("unknown", await StateOfAsync(page, "new-1"));
        Assert.Equal("48", await page.Locator("[data-cluster='api'] [data-concurrency-limit]").GetAttributeAsync("data-concurrency-limit"));
        Assert.Equal("panic", await page.Locator("[data-cluster='api'] .badge.bad").First.TextContentAsync());
        await ScreenshotAsync(page, "console-all-states.png");
    }

    private static async Task<string?> StateOfAsync(IPage page, string destination) =>
        await page.Locator(Tile(destination)).GetAttributeAsync("data-state");

    private static string AllStatesClusters(DateTimeOffset now)
    {
        static JsonObject Destination(string id, string region, string health = "healthy", bool available = true) => new()
        {
            ["id"] = id,
            ["address"] = $"http://10.0.0.1/{id}",
            ["region"] = region,
            ["health"] = health,
            ["activeHealth"] = health,
            ["passiveHealth"] = "unknown",
            ["available"] = available,
            ["inFlight"] = 3,
            ["ejections"] = 0,
            ["slowStartWeight"] = 1.0,
        };

        var ejected = Destination("ejected-1", "eu-west", available: false);
        ejected["ejections"] = 2;
        ejected["ejectedUntil"] = now.AddSeconds(60).ToString("O");
        var open = Destination("open-1", "eu-west");
        open["circuitState"] = "Open";
        var half = Destination("half-1", "eu-west");
        half["circuit"] = new JsonObject { ["state"] = "HalfOpen" };
        var slow = Destination("slow-1", "us-east");
        slow["slowStartWeight"] = 0.4;
        var cluster = new JsonObject
        {
            ["id"] = "api",
            ["failoverPolicy"] = "eu-first",
            ["destinationCount"] = 8,
            ["availableCount"] = 5,
            ["panic"] = true,
            ["concurrencyLimit"] = 48,
            ["regions"] = new JsonArray(
                new JsonObject { ["name"] = "eu-west", ["share"] = 0.25, ["healthy"] = 2, ["total"] = 5, ["drained"] = false, ["recovering"] = false },
                new JsonObject { ["name"] = "us-east", ["share"] = 0.75, ["healthy"] = 2, ["total"] = 2, ["drained"] = false, ["recovering"] = true },
                new JsonObject { ["name"] = "ap-south", ["share"] = 0, ["healthy"] = 1, ["total"] = 1, ["drained"] = true, ["recovering"] = false }),
            ["destinations"] = new JsonArray(
                Destination("healthy-1", "eu-west"),
                ejected,
                open,
                half,
                Destination("down-1", "eu-west", health: "unhealthy", available: false),
                slow,
                Destination("new-1", "us-east", health: "unknown"),
                Destination("drained-1", "ap-south")),
        };
        return new JsonObject { ["clusters"] = new JsonArray(cluster) }.ToJsonString();
    }

    private static string Tile(string destination, params string[] states) =>
        states.Length == 0
            ? $".tile[data-destination='{destination}']"
            : string.Join(", ", states.Select(s => $".tile[data-destination='{destination}'][data-state='{s}']"));

    private static string Region(string region) => $"section.region[data-region='{region}']";

    private static async Task WaitForAsync(IPage page, string selector) =>
        await page.WaitForSelectorAsync(selector, new PageWaitForSelectorOptions { Timeout = Timeout });

    private static async Task WaitForTextAsync(IPage page, string selector, string text)
    {
        await page.WaitForFunctionAsync(
            "([selector, text]) => document.querySelector(selector)?.textContent === text",
            new object[] { selector, text },
            new PageWaitForFunctionOptions { Timeout = Timeout });
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(HeadlessChromium.ScreenshotDirectory);
        var path = Path.Combine(HeadlessChromium.ScreenshotDirectory, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    /// <summary>Clients each sending a GET every period (a late answer skips ticks rather than bunching up).</summary>
    private sealed class PacedLoad : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _clients;

        public PacedLoad(HttpClient client, string path, int clients, TimeSpan period)
        {
            _clients = [.. Enumerable.Range(0, clients).Select(_ => Task.Run(() => RunAsync(client, path, period)))];
        }

        private async Task RunAsync(HttpClient client, string path, TimeSpan period)
        {
            using var timer = new PeriodicTimer(period);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    try
                    {
                        using var response = await client.GetAsync(path, _stop.Token);
                    }
                    catch (HttpRequestException)
                    {
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_clients);
            _stop.Dispose();
        }
    }
}
