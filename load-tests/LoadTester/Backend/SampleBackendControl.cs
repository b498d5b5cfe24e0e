using System.Net.Http.Json;
using LoadTests.Reporting;

namespace LoadTests.Backend;

/// <summary>The sample backend's control listener: queue statistics, and taking regions down and up.</summary>
internal sealed class SampleBackendControl(HttpClient client)
{
    public Uri? BaseAddress => client.BaseAddress;

    public async Task<IReadOnlyList<InstanceState>> InstancesAsync(CancellationToken cancellationToken)
    {
        var instances = await client.GetFromJsonAsync<List<InstanceState>>("instances", cancellationToken);
        return instances ?? [];
    }

    /// <summary>Restarts the peak-queue counters so the run's peak is its own.</summary>
    public async Task ResetStatsAsync(CancellationToken cancellationToken) =>
        (await client.PostAsync(new Uri("stats/reset", UriKind.Relative), null, cancellationToken)).EnsureSuccessStatusCode();

    public Task RegionDownAsync(string region, CancellationToken cancellationToken) => PostAsync($"regions/{Uri.EscapeDataString(region)}/down", cancellationToken);

    public Task RegionUpAsync(string region, CancellationToken cancellationToken) => PostAsync($"regions/{Uri.EscapeDataString(region)}/up", cancellationToken);

    /// <summary>Per instance: the peak queue since the reset, and requests served since <paramref name="before"/>.</summary>
    public static IReadOnlyList<BackendInstanceReport> Compare(IReadOnlyList<InstanceState> before, IReadOnlyList<InstanceState> after) =>
        after.Select(a => new BackendInstanceReport(
            a.Name,
            a.Region,
            a.PeakQueued,
            a.Served - (before.FirstOrDefault(b => b.Name == a.Name)?.Served ?? 0))).ToList();

    private async Task PostAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>What <c>GET /instances</c> says about one instance (the fields the report uses).</summary>
internal sealed record InstanceState(string Name, string Region, int Port, bool Up, long Queued, long PeakQueued, long Served);
