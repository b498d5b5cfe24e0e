using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A real redis-server on a free loopback port, one per test collection that asks for it, with no persistence.
/// The test command installs redis-server when it is missing.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; } = FreePort.Next();

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000";

    public Task InitializeAsync() => StartAsync();

    /// <summary>Starts redis-server on <see cref="Port"/> (again, after <see cref="StopAsync"/>: an empty one).</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on port {Port} within 10 s.");
    }

    /// <summary>Kills redis-server, as a crash would; <see cref="StartAsync"/> brings it back on the same port.</summary>
    public Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => StopAsync();
}
