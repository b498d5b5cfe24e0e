using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A few clients sending GETs back to back through the gateway until stopped (at most 60 s), recording for each
/// request when it started, its status and the region that served it.
/// </summary>
public sealed class SteadyLoad : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly Task[] _clients;

    public SteadyLoad(HttpClient client, string path, int concurrency)
    {
        _clients = [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => RunAsync(client, path)))];
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<Sample> Snapshot() => [.. _samples];

    public async Task<IReadOnlyList<Sample>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        return [.. _samples.OrderBy(s => s.StartedAt)];
    }

    private async Task RunAsync(HttpClient client, string path)
    {
        while (!_stop.IsCancellationRequested)
        {
            var started = _clock.Elapsed;
            try
            {
                using var response = await client.GetAsync(path, CancellationToken.None);
                var region = response.Headers.TryGetValues("X-Region", out var values) ? values.First() : null;
                _samples.Enqueue(new Sample(started, _clock.Elapsed, (int)response.StatusCode, region));
            }
            catch (HttpRequestException)
            {
                _samples.Enqueue(new Sample(started, _clock.Elapsed, 0, null));
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    /// <param name="Status">0 when the request failed without a response.</param>
    public sealed record Sample(TimeSpan StartedAt, TimeSpan EndedAt, int Status, string? Region);
}
