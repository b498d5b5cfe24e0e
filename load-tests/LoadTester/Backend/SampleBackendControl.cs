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

    /// <summary>
    /// Per instance: the peak queue since the reset, and requests served (and served for callers that had gone)
    /// since <paramref name="before"/>.
    /// </summary>
    public static IReadOnlyList<BackendInstanceReport> Compare(IReadOnlyList<InstanceState> before, IReadOnlyList<InstanceState> after) =>
        after.Select(a => new BackendInstanceReport(
            a.Name,
            a.Region,
            a.PeakQueued,
            a.Served - (before.FirstOrDefault(b => b.Name == a.Name)?.Served ?? 0),
            a.Abandoned - (before.FirstOrDefault(b => b.Name == a.Name)?.Abandoned ?? 0))).ToList();

    /// <summary>
    /// The instances once nothing is queued or in service (or <paramref name="atMost"/> has passed): work a storm left
    /// behind in the backend's queue is done after its clients gave up, and is counted only once it is done.
    /// </summary>
    public async Task<IReadOnlyList<InstanceState>> DrainedAsync(TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        while (true)
        {
            var instances = await InstancesAsync(cancellationToken);
            if (instances.All(i => i.Queued == 0 && i.InService == 0) || time.GetElapsedTime(start) >= atMost)
            {
                return instances;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
    }

    private async Task PostAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>What <c>GET /instances</c> says about one instance (the fields the report uses).</summary>
internal sealed record InstanceState(string Name, string Region, int Port, bool Up, long Queued, long PeakQueued, long Served, int InService, long Abandoned);
