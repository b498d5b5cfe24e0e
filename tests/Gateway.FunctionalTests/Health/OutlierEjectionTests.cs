using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Health;

/// <summary>Outlier ejection through the real gateway: one region of three real instances, one of them failing.</summary>
public sealed class OutlierEjectionTests : IAsyncLifetime
{
    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west", "eu-3@eu-west");
        var config = TestConfig.SingleCluster(_backends.Instances);
        config["Gateway"] = new JsonObject
        {
            ["Health"] = new JsonObject
            {
                ["OutlierDetection"] = new JsonObject
                {
                    ["ConsecutiveFailures"] = 3,
                    ["BaseEjectionTime"] = "00:00:01",
                    ["EjectionTimeMultiplier"] = 3,
                    ["MaxEjectionTime"] = "00:01:00",
                    ["MaxEjectionPercent"] = 50,
                },
            },
        };
        _gateway = await GatewayTestHost.StartAsync(config);
    }

    [Fact]
    public async Task FailingInstance_IsEjectedThenReadmittedAndEjectedLongerTheSecondTime()
    {
        var failing = _backends.Find("eu-2")!;
        failing.Faults.ErrorRate = 1;

        await SendUntilEjectedAsync("eu-2", ejections: 1);
        var first = await DestinationAsync("eu-2");
        Assert.False(first.GetProperty("available").GetBoolean());
        var firstEjection = first.GetProperty("ejectedUntil").GetDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(firstEjection.TotalSeconds, 0.2, 1.1);

        // While ejected it gets nothing.
        var served = failing.Capacity.Served;
        for (var i = 0; i < 10; i++)
        {
            var (response, echo) = await _gateway.GetAsync("/api/while-ejected");
            response.Dispose();
            Assert.NotEqual("eu-2", echo?.Instance);
        }

        Assert.Equal(served, failing.Capacity.Served);

        // Re-admitted after its ejection time; still failing, so ejected again for 3 x as long.
        await Eventually.TrueAsync(async () => (await DestinationAsync("eu-2")).GetProperty("available").GetBoolean(), TimeSpan.FromSeconds(3));
        await SendUntilEjectedAsync("eu-2", ejections: 2);
        var second = (await DestinationAsync("eu-2")).GetProperty("ejectedUntil").GetDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(second.TotalSeconds, 2.0, 3.1);

        // Healthy again: re-admitted after the longer ejection and served.
        failing.Faults.ErrorRate = 0;
        await Eventually.TrueAsync(async () => (await DestinationAsync("eu-2")).GetProperty("available").GetBoolean(), TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(async () =>
        {
            var (response, echo) = await _gateway.GetAsync("/api/back");
            response.Dispose();
            return echo?.Instance == "eu-2";
        });
    }

    [Fact]
    public async Task AllInstancesFailing_NeverMoreThanTheCapAreEjected()
    {
        foreach (var instance in _backends.Instances)
        {
            instance.Faults.ErrorRate = 1;
        }

        for (var i = 0; i < 60; i++)
        {
            var (response, _) = await _gateway.GetAsync("/api/all-failing");
            response.Dispose();
            using var doc = await _gateway.GetAdminJsonAsync("/admin/clusters");
            var ejected = doc.RootElement.GetProperty("clusters")[0].GetProperty("destinations").EnumerateArray()
                .Count(IsEjected);
            Assert.InRange(ejected, 0, 1); // 50% of 3 destinations
        }

        using var final = await _gateway.GetAdminJsonAsync("/admin/clusters");
        Assert.Equal(1, final.RootElement.GetProperty("clusters")[0].GetProperty("destinations").EnumerateArray()
            .Count(IsEjected));
    }

    private static bool IsEjected(JsonElement destination) =>
        destination.TryGetProperty("ejectedUntil", out var until) && until.ValueKind != JsonValueKind.Null;

    private async Task SendUntilEjectedAsync(string instance, int ejections)
    {
        for (var i = 0; i < 200; i++)
        {
            var (response, _) = await _gateway.GetAsync("/api/eject");
            response.Dispose();
            if ((await DestinationAsync(instance)).GetProperty("ejections").GetInt64() >= ejections)
            {
                return;
            }
        }

        Assert.Fail($"{instance} was not ejected {ejections} time(s) after 200 requests");
    }

    private async Task<JsonElement> DestinationAsync(string id)
    {
        using var doc = await _gateway.GetAdminJsonAsync("/admin/clusters");
        return doc.RootElement.GetProperty("clusters")[0].GetProperty("destinations").EnumerateArray()
            .Single(d => d.GetProperty("id").GetString() == id).Clone();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
