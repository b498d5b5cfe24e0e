using System.Diagnostics;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A real Redis Cluster on loopback: three primaries and a replica each (six <c>redis-server --cluster-enabled yes</c>
/// on free ports, joined by <c>redis-cli --cluster create --cluster-replicas 1</c>), no persistence, in a temporary
/// directory removed afterwards.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private const int Nodes = 6;
    private readonly List<Process> _processes = [];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"gw-redis-cluster-{Guid.NewGuid():N}");

    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>Every node, so the client finds the cluster whichever node is up.</summary>
    public string Configuration => string.Join(',', Ports.Select(p => $"127.0.0.1:{p}")) + ",abortConnect=false,connectTimeout=2000";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var ports = new List<int>();
        for (var i = 0; i < Nodes; i++)
        {
            var port = FreePort.Next();
            var busPort = FreePort.Next();
            ports.Add(port);
            var start = new ProcessStartInfo("redis-server")
            {
                WorkingDirectory = _directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[]
            {
                "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-port", busPort.ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", $"nodes-{port}.conf",
                "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no", "--dir", _directory,
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            _processes.Add(process);
        }

        Ports = ports;
        foreach (var port in ports)
        {
            await WaitAsync(() => RunCliAsync(["-p", port.ToString(CultureInfo.InvariantCulture), "ping"], "PONG"), $"node {port} up");
        }

        var create = new List<string> { "--cluster", "create" };
        create.AddRange(ports.Select(p => $"127.0.0.1:{p}"));
        create.AddRange(["--cluster-replicas", "1", "--cluster-yes"]);
        var (code, text) = await RunCliAsync(create);
        if (code != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed: {text}");
        }

        foreach (var port in ports)
        {
            await WaitAsync(() => RunCliAsync(["-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], "cluster_state:ok"), $"node {port} in a healthy cluster");
        }
    }

    /// <summary>
    /// Promotes the replica of the primary that holds <paramref name="key"/> with <c>CLUSTER FAILOVER</c> (the
    /// coordinated, no-loss kind) and waits until it serves the slot. Returns the old and new primary's ports.
    /// </summary>
    public async Task<(int OldPrimary, int NewPrimary)> FailOverAsync(RedisKey key)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Configuration + ",allowAdmin=true");
        var slot = connection.HashSlot(key);
        var nodes = await connection.GetServer(connection.GetEndPoints()[0]).ClusterNodesAsync()
            ?? throw new InvalidOperationException("CLUSTER NODES gave nothing.");
        var primary = nodes.GetBySlot(slot) ?? throw new InvalidOperationException($"No node serves slot {slot}.");
        var replica = primary.Children.FirstOrDefault() ?? throw new InvalidOperationException($"The primary of slot {slot} has no replica.");
        var oldPort = ((IPEndPoint)primary.EndPoint!).Port;
        var newPort = ((IPEndPoint)replica.EndPoint!).Port;
        if (!Ports.Contains(newPort))
        {
            throw new InvalidOperationException($"Node {newPort} is not one of this cluster's.");
        }

        var (code, text) = await RunCliAsync(["-p", newPort.ToString(CultureInfo.InvariantCulture), "cluster", "failover"]);
        if (code != 0 || !text.Contains("OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"CLUSTER FAILOVER on {newPort} failed: {text}");
        }

        await WaitAsync(() => RunCliAsync(["-p", newPort.ToString(CultureInfo.InvariantCulture), "role"], "master"), $"replica {newPort} promoted");
        return (oldPort, newPort);
    }

    private static async Task WaitAsync(Func<Task<(int Code, string Text)>> probe, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (_, text) = await probe();
            if (text.Contains("<ok>", StringComparison.Ordinal))
            {
                return;
            }

            last = text;
            await Task.Delay(100);
        }

        throw new TimeoutException($"Not {what} within 20 s; last answer: {last}");
    }

    private static Task<(int Code, string Text)> RunCliAsync(IEnumerable<string> arguments, string expect) =>
        RunCliAsync(arguments).ContinueWith(
            t => (t.Result.Code, t.Result.Text.Contains(expect, StringComparison.Ordinal) ? "<ok>" : t.Result.Text),
            TaskScheduler.Default);

    private static async Task<(int Code, string Text)> RunCliAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            return (-1, "redis-cli timed out");
        }

        return (process.ExitCode, await output + await error);
    }

    public Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}
