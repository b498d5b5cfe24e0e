using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Failover;
using Gateway.Tests.Fixtures;
using Microsoft.Playwright;
using SampleBackend;
using Xunit.Abstractions;

namespace Gateway.Tests.Admin.OperatorConsole;

/// <summary>
/// The console in headless Chromium against a real gateway and real backends in two regions. Runs with the serial
/// tests: a browser beside the parallel functional tests on a two-core runner makes every timing in them noisy.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class OperatorConsolePageTests(ITestOutputHelper output)
{
    private const string AdminKey = "console-test-key-0123456789";
    private static readonly float Timeout = 20_000;

    [Fact]
    public async Task Console_InstanceDownedThenRegionDrainedByButton_TilesAndRegionsFollow()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west", "us-1@us-east", "us-2@us-east");
        var config = RegionFailoverTests.Config(backends.Instances, failbackDelay: "00:00:05", slowStart: "00:00:10");
        config["Gateway"]!["Admin"] = new JsonObject { ["ApiKey"] = AdminKey };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        gateway.Admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        using var load = new SteadyLoad(gateway.Proxy, "/api/console", concurrency: 2);
        await using var chromium = await HeadlessChromium.StartAsync();
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
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
        await WaitForAsync(page, Region("eu-west") + " .badge.ok");

        await backends.Find("eu-1")!.DownAsync();
        await WaitForAsync(page, Tile("eu-1", "unhealthy", "ejected", "unavailable"));
        Assert.Equal("healthy", await page.Locator(Tile("eu-2")).GetAttributeAsync("data-state"));

        // A region failover: both eu-west instances gone, us-east carries the traffic.
        await backends.Find("eu-2")!.DownAsync();
        await WaitForAsync(page, Tile("eu-2", "unhealthy", "ejected", "unavailable"));
        await WaitForTextAsync(page, Region("us-east") + " .share", "100%");
        await Task.Delay(2500); // a few chart points after the failover
        await ScreenshotAsync(page, "console-failover.png");

        // The operator drains the failed region from the page.
        await page.Locator($"button[data-region='eu-west'][data-action='drain']").ClickAsync();
        await WaitForAsync(page, Region("eu-west") + "[data-drained='true']");
        await WaitForAsync(page, $"button[data-region='eu-west'][data-action='undrain']");
        var regions = await gateway.Admin.GetFromJsonAsync<JsonObject>("/admin/regions");
        await ScreenshotAsync(page, "console-drained.png");
        await load.StopAsync();

        Assert.Contains("eu-west", regions!["drained"]!.AsArray().Select(r => (string?)r));
        var confirm = Assert.Single(confirms);
        Assert.StartsWith("confirm: Drain region eu-west?", confirm, StringComparison.Ordinal);
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
}
