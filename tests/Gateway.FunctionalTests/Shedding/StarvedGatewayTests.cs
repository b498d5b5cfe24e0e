using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Fixtures;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Shedding;

/// <summary>
/// The adaptive limit measures the backend, not the gateway: a gateway short of CPU must not read its backend as slow
/// and shrink the limit far below what the backend serves (seen at full scale: 20-45 for a backend of capacity 200).
/// The gateway runs as its own process pinned to one core, which busy loops then crowd; the backend and the clients
/// run in this process on the other cores, so only the gateway is starved.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class StarvedGatewayTests(ITestOutputHelper output)
{
    private const int Capacity = 16;
    private const int Clients = 48;
    private const int Burners = 4;
    private static readonly TimeSpan ServiceTime = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LearnAtMost = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Starved = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task GatewayShortOfCpu_LimitStaysNearTheBackendsCapacity()
    {
        Assert.True(Environment.ProcessorCount >= 2, "needs two cores: one for the gateway, one for the rest");
        var core = (Environment.ProcessorCount - 1).ToString(CultureInfo.InvariantCulture);

        // 16 in service x 20 ms; 48 clients keep it saturated, so the limit learns the knee before the starvation.
        await using var backends = await Backends.StartAsync(Capacity, ServiceTime, "a-1@eu-west");
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.SingleCluster(backends.Instances), "/api/ready");
        var pinned = await ProcessRunner.RunAsync("taskset", Environment.CurrentDirectory, "-a", "-c", "-p", core, gateway.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.True(pinned.ExitCode == 0, $"taskset: {pinned.StdErr}");
        using var admin = new HttpClient { BaseAddress = gateway.AdminUrl, Timeout = TimeSpan.FromSeconds(5) };
        using var proxy = new HttpClient { BaseAddress = gateway.ProxyUrl, Timeout = TimeSpan.FromSeconds(30) };

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var served = 0;
        var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await proxy.GetAsync("/api/x", CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref served);
                    }
                }
                catch (HttpRequestException)
                {
                }
            }
        })).ToList();

        var learning = Stopwatch.StartNew();
        while (await LimitAsync(admin) < Capacity && learning.Elapsed < LearnAtMost)
        {
            await Task.Delay(100);
        }

        await Task.Delay(1000);
        var learned = await LimitAsync(admin);
        var waitedBefore = RunQueueWait(gateway.ProcessId);
        var calm = Stopwatch.StartNew();
        await Task.Delay(1000);
        var calmWaitPerSecond = (RunQueueWait(gateway.ProcessId) - waitedBefore) / calm.Elapsed.TotalSeconds;

        // Starve: busy loops on the gateway's core for the rest of the run.
        var burners = Enumerable.Range(0, Burners).Select(_ => Process.Start(new ProcessStartInfo("taskset")
        {
            ArgumentList = { "-c", core, "timeout", Starved.TotalSeconds.ToString(CultureInfo.InvariantCulture), "sh", "-c", "while :; do :; done" },
        })!).ToList();
        var limits = new List<int>();
        waitedBefore = RunQueueWait(gateway.ProcessId);
        var starving = Stopwatch.StartNew();
        while (starving.Elapsed < Starved - TimeSpan.FromMilliseconds(200))
        {
            await Task.Delay(100);
            limits.Add(await LimitAsync(admin));
        }

        var starvedWaitPerSecond = (RunQueueWait(gateway.ProcessId) - waitedBefore) / starving.Elapsed.TotalSeconds;
        foreach (var burner in burners)
        {
            await burner.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            burner.Dispose();
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));

        limits.Sort();
        var median = limits[limits.Count / 2];
        output.WriteLine($"learned {learned}; starved: limit min {limits[0]} median {median} max {limits[^1]} over {limits.Count} samples; " +
                         $"gateway run-queue wait {calmWaitPerSecond:F0} ms/s before, {starvedWaitPerSecond:F0} ms/s starved; {served} served");

        Assert.True(learned >= Capacity, $"the limit learned {learned} in {LearnAtMost.TotalSeconds} s before the starvation, backend capacity {Capacity}");
        // The starvation was real: the gateway's threads waited for their core (on a quiet machine about 0 ms/s before).
        Assert.True(starvedWaitPerSecond >= 300,
            $"the gateway was not starved: run-queue wait {calmWaitPerSecond:F0} ms/s before, {starvedWaitPerSecond:F0} ms/s during");
        // Near the backend's capacity, not a fraction of it.
        Assert.True(median >= Capacity * 3 / 4, $"starved, the limit's median fell to {median} for a backend of capacity {Capacity} ({string.Join(",", limits)})");
        Assert.True(limits[0] >= Capacity / 2, $"starved, the limit fell to {limits[0]} ({string.Join(",", limits)})");
    }

    private static async Task<int> LimitAsync(HttpClient admin)
    {
        using var json = JsonDocument.Parse(await admin.GetStringAsync("/admin/clusters"));
        var cluster = json.RootElement.GetProperty("clusters").EnumerateArray().Single();
        return cluster.TryGetProperty("concurrencyLimit", out var limit) && limit.ValueKind == JsonValueKind.Number ? limit.GetInt32() : 0;
    }

    /// <summary>Milliseconds the process's threads have waited on a run queue so far (the second field of schedstat).</summary>
    private static double RunQueueWait(int pid)
    {
        long nanoseconds = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                nanoseconds += long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return nanoseconds / 1e6;
    }
}
