using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.FunctionalTests.Fixtures;
using LoadTests.Clients;

namespace LoadTests.Tests.Clients;

/// <summary>The raw client against a server that answers from a script, byte for byte, on real loopback sockets.</summary>
public sealed class RawHttpChannelTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task SendAsync_KeepAlive_TwoCallsOnOneConnection_RequestsWellFormed()
    {
        await using var server = ScriptedServer.Start(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nRetry-After: 2\r\nX-Gateway-Reason: overloaded\r\n\r\nbusy",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);

        var refused = await channel.SendAsync("/session/auth", s_timeout, sendDeadline: true, CancellationToken.None);
        var served = await channel.SendAsync("/api/state", s_timeout, sendDeadline: false, CancellationToken.None);

        Assert.Equal(new AttemptOutcome(503, "overloaded", TimeSpan.FromSeconds(2), null), refused);
        Assert.Equal(new AttemptOutcome(200, null, null, null), served);
        Assert.Equal(1, server.Connections);
        Assert.Equal(
            [$"GET /session/auth HTTP/1.1\r\nHost: {server.Url.Authority}\r\nX-Request-Deadline: 5000\r\n\r\n", $"GET /api/state HTTP/1.1\r\nHost: {server.Url.Authority}\r\n\r\n"],
            server.Requests);
    }

    [Fact]
    public async Task SendAsync_ChunkedBodyWithTrailer_ReadToItsEnd_ConnectionKept()
    {
        await using var server = ScriptedServer.Start(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n",
            "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);

        var first = await channel.SendAsync("/a", s_timeout, false, CancellationToken.None);
        var second = await channel.SendAsync("/b", s_timeout, false, CancellationToken.None);

        Assert.Equal((200, 201), (first.Status, second.Status));
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task SendAsync_ConnectionClose_NextCallOnANewConnection()
    {
        await using var server = ScriptedServer.Start(
            "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);

        var first = await channel.SendAsync("/a", s_timeout, false, CancellationToken.None);
        var second = await channel.SendAsync("/b", s_timeout, false, CancellationToken.None);

        Assert.Equal((429, 200), (first.Status, second.Status));
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task SendAsync_KeptConnectionClosedWhileIdle_SentOnceMoreOnANewOne()
    {
        // The server closes after each answer without saying so, as a proxy's idle timeout does between calls.
        await using var server = ScriptedServer.Start(closeAfterEach: true, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);

        var first = await channel.SendAsync("/a", s_timeout, false, CancellationToken.None);
        await server.ClosedAsync(1);
        var second = await channel.SendAsync("/b", s_timeout, false, CancellationToken.None);

        Assert.Equal((200, 200), (first.Status, second.Status));
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task SendAsync_NoAnswerWithinTheTimeout_IsTimeout_AndTheNextCallConnectsAfresh()
    {
        await using var server = ScriptedServer.Start(null, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);

        var first = await channel.SendAsync("/a", TimeSpan.FromMilliseconds(100), false, CancellationToken.None);
        var second = await channel.SendAsync("/b", s_timeout, false, CancellationToken.None);

        Assert.Equal(AttemptOutcome.Failed("timeout"), first);
        Assert.Equal(200, second.Status);
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task SendAsync_NotHttp_IsInvalidResponse()
    {
        await using var server = ScriptedServer.Start("SSH-2.0-OpenSSH_9.2\r\n\r\n");
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);

        Assert.Equal(AttemptOutcome.Failed("invalid-response"), await channel.SendAsync("/a", s_timeout, false, CancellationToken.None));
    }

    [Fact]
    public async Task SendAsync_BodyCutShort_IsResponseEnded()
    {
        await using var server = ScriptedServer.Start(closeAfterEach: true, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);

        Assert.Equal(AttemptOutcome.Failed("response-ended"), await channel.SendAsync("/a", s_timeout, false, CancellationToken.None));
    }

    [Fact]
    public async Task SendAsync_NothingListening_IsConnectionRefused()
    {
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(new Uri($"http://127.0.0.1:{FreePort.Next()}/"), s_timeout), TimeProvider.System);

        var outcome = await channel.SendAsync("/a", s_timeout, false, CancellationToken.None);

        Assert.Equal(AttemptOutcome.Failed("connection-refused"), outcome);
        Assert.True(outcome.IsRetryable);
    }

    [Fact]
    public async Task SendAsync_RunStopping_IsCancelledAndNotRetried()
    {
        await using var server = ScriptedServer.Start([null]);
        using var channel = new RawHttpChannel(RawHttpTarget.Resolve(server.Url, s_timeout), TimeProvider.System);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var outcome = await channel.SendAsync("/a", TimeSpan.FromSeconds(30), false, stop.Token);

        Assert.Equal(AttemptOutcome.Failed(AttemptOutcome.Cancelled), outcome);
        Assert.False(outcome.IsRetryable);
    }

    /// <summary>
    /// Answers the n-th request it reads with the n-th script entry, whatever connection it came on; a null entry
    /// answers nothing and drops that connection when the client does.
    /// </summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly string?[] _answers;
        private readonly bool _closeAfterEach;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _requests = [];
        private readonly Task _accepting;
        private int _next;
        private int _connections;
        private int _closed;

        private ScriptedServer(bool closeAfterEach, string?[] answers)
        {
            _closeAfterEach = closeAfterEach;
            _answers = answers;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _accepting = AcceptAsync();
        }

        public Uri Url { get; }

        public int Connections => Volatile.Read(ref _connections);

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public static ScriptedServer Start(params string?[] answers) => new(false, answers);

        public static ScriptedServer Start(bool closeAfterEach, params string?[] answers) => new(closeAfterEach, answers);

        public async Task ClosedAsync(int connections)
        {
            for (var i = 0; i < 200 && Volatile.Read(ref _closed) < connections; i++)
            {
                await Task.Delay(10);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    connections.Add(ServeAsync(client));
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }

            await Task.WhenAll(connections);
        }

        private async Task ServeAsync(TcpClient client)
        {
            using var _ = client;
            var stream = client.GetStream();
            var pending = new StringBuilder();
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    var end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (end < 0)
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                        continue;
                    }

                    lock (_requests)
                    {
                        _requests.Add(pending.ToString(0, end + 4));
                    }

                    pending.Remove(0, end + 4);
                    var answer = _answers[Math.Min(Interlocked.Increment(ref _next) - 1, _answers.Length - 1)];
                    if (answer is null)
                    {
                        // Silent: wait for the client to give up (it closes) or the test to end.
                        while (await stream.ReadAsync(buffer, _stop.Token) > 0)
                        {
                        }

                        return;
                    }

                    await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
                    if (_closeAfterEach)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
            finally
            {
                Interlocked.Increment(ref _closed);
            }
        }
    }
}
