using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A raw TCP backend on a free loopback port: records every request's head as received and answers with bytes a
/// test scripts, including badly framed ones no HTTP server library would write. Connections are served one request
/// at a time and closed after the answer.
/// </summary>
public sealed class FakeBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Func<string, string?> _answer;
    private readonly long _streamBytes;
    private long _bytesStreamed;
    private int _openConnections;
    private int _closedByPeer;

    /// <param name="answer">The raw response for a request head; null means hold the connection open without answering.</param>
    /// <param name="streamBytes">Bytes of body written after the answer, 64 KiB at a time, as fast as the peer takes them.</param>
    public FakeBackend(Func<string, string?> answer, long streamBytes = 0)
    {
        _answer = answer;
        _streamBytes = streamBytes;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = Task.Run(AcceptAsync);
    }

    public Uri Url { get; }

    /// <summary>Request heads (request line and headers) in the order they arrived.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Body bytes the gateway has taken from this backend so far (all connections).</summary>
    public long BytesStreamed => Interlocked.Read(ref _bytesStreamed);

    /// <summary>Connections the gateway closed while this backend had not answered (a cancelled upstream request).</summary>
    public int ClosedByPeer => Volatile.Read(ref _closedByPeer);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        Interlocked.Increment(ref _openConnections);
        try
        {
            using (client)
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream);
                if (head is null)
                {
                    return;
                }

                Requests.Enqueue(head);
                var answer = _answer(head);
                if (answer is null)
                {
                    // Hold until the gateway gives up (or the test ends): the read returns 0 when the peer closes.
                    var buffer = new byte[1024];
                    try
                    {
                        while (await stream.ReadAsync(buffer, _stop.Token) > 0)
                        {
                        }

                        Interlocked.Increment(ref _closedByPeer);
                    }
                    catch (IOException)
                    {
                        Interlocked.Increment(ref _closedByPeer);
                    }

                    return;
                }

                await stream.WriteAsync(Encoding.Latin1.GetBytes(answer), _stop.Token);
                var chunk = new byte[64 * 1024];
                for (long sent = 0; sent < _streamBytes; sent += chunk.Length)
                {
                    await stream.WriteAsync(chunk, _stop.Token);
                    Interlocked.Add(ref _bytesStreamed, chunk.Length);
                }

                await stream.FlushAsync(_stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _openConnections);
        }
    }

    private async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (received.Length < 64 * 1024)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return null;
            }

            received.Append(Encoding.Latin1.GetString(buffer, 0, read));
            var text = received.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return text[..end];
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
