using System.Buffers;
using System.Net.Sockets;

namespace LoadTests.Clients;

/// <summary>
/// One session's own connection, spoken to as a minimal HTTP/1.1 client: a GET written from cached bytes, the head
/// parsed from a pooled buffer, the body counted and dropped. It keeps the connection between calls, as a
/// <see cref="SocketsHttpHandler"/> with one connection per server does, and opens a new one after a timeout, an error
/// or a <c>Connection: close</c>.
/// </summary>
internal sealed class RawHttpChannel(RawHttpTarget target, TimeProvider time) : ISessionChannel
{
    // A head larger than this is not one the gateway, the sample backend or HAProxy sends; it is refused as invalid.
    private const int BufferSize = 8 * 1024;

    private byte[]? _buffer;
    private int _start;
    private int _end;
    private Socket? _socket;
    private CancellationTokenSource? _deadline;
    private bool _answerStarted;

    public async ValueTask<AttemptOutcome> SendAsync(string path, TimeSpan timeout, bool sendDeadline, CancellationToken cancellationToken)
    {
        var request = target.Request(path, sendDeadline);
        _buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
        var deadline = Deadline(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // A kept connection the server closed while idle fails before any answer; like SocketsHttpHandler, send
            // once more on a new connection rather than call that a failure of the target.
            var reused = _socket is not null;
            AttemptOutcome? outcome;
            try
            {
                outcome = await ExchangeAsync(request, deadline.Token);
            }
            catch (SocketException) when (reused && !_answerStarted)
            {
                // Reset rather than closed: the same idle close, seen later.
                outcome = null;
            }

            if (outcome is null && reused)
            {
                Close();
                outcome = await ExchangeAsync(request, deadline.Token);
            }

            return outcome ?? Fail("response-ended");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail("timeout");
        }
        catch (OperationCanceledException)
        {
            return Fail(AttemptOutcome.Cancelled);
        }
        catch (SocketException ex)
        {
            return Fail(HttpAttempt.SocketError(ex));
        }
        catch (InvalidDataException)
        {
            return Fail("invalid-response");
        }
        catch (EndOfStreamException)
        {
            return Fail("response-ended");
        }
        finally
        {
            // A deadline that fired cannot be reset; the next attempt links a new one.
            if (!deadline.TryReset())
            {
                deadline.Dispose();
                _deadline = null;
            }
        }
    }

    public void Dispose()
    {
        Close();
        _deadline?.Dispose();
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private CancellationTokenSource Deadline(CancellationToken cancellationToken) =>
        _deadline ??= CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

    private AttemptOutcome Fail(string error)
    {
        Close();
        return AttemptOutcome.Failed(error);
    }

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    /// <returns>The outcome; null when the connection ended before a byte of the answer.</returns>
    private async ValueTask<AttemptOutcome?> ExchangeAsync(byte[] request, CancellationToken token)
    {
        if (_socket is null)
        {
            var socket = new Socket(target.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(target.Endpoint, token);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            _socket = socket;
        }

        _answerStarted = false;
        await SendAllAsync(_socket, request, token);
        var headEnd = await ReadHeadAsync(token);
        if (headEnd < 0)
        {
            return null;
        }

        var head = RawHttpHead.TryParse(_buffer.AsSpan(_start, headEnd - _start)) ?? throw new InvalidDataException();
        _start = headEnd + 4;
        if (head.HasBody)
        {
            if (head.Chunked)
            {
                await SkipChunkedAsync(token);
            }
            else if (head.ContentLength >= 0)
            {
                await SkipAsync(head.ContentLength, token);
            }
            else
            {
                await SkipToCloseAsync(token);
            }
        }

        if (head.Close || head.BodyToClose || _start != _end)
        {
            // Closed by the server's word, or bytes past the answer that no request asked for: start afresh.
            Close();
        }
        else
        {
            _start = _end = 0;
        }

        return new AttemptOutcome(head.Status, head.GatewayReason, RawHttpHead.ParseRetryAfter(head.RetryAfter, time), null);
    }

    private static async ValueTask SendAllAsync(Socket socket, byte[] request, CancellationToken token)
    {
        for (var sent = 0; sent < request.Length;)
        {
            sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None, token);
        }
    }

    /// <returns>Where the head's blank line starts; -1 when the connection ended before any byte.</returns>
    private async ValueTask<int> ReadHeadAsync(CancellationToken token)
    {
        // Counted from _start, which a fill may move: the bytes already searched, less three a boundary may split.
        var searched = 0;
        while (true)
        {
            var found = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf("\r\n\r\n"u8);
            if (found >= 0)
            {
                return _start + searched + found;
            }

            searched = Math.Max(0, _end - _start - 3);
            if (!await FillAsync(token))
            {
                return _end == _start ? -1 : throw new EndOfStreamException();
            }
        }
    }

    private async ValueTask SkipAsync(long length, CancellationToken token)
    {
        while (true)
        {
            var take = (int)Math.Min(length, _end - _start);
            _start += take;
            length -= take;
            if (length == 0)
            {
                return;
            }

            if (!await FillAsync(token))
            {
                throw new EndOfStreamException();
            }
        }
    }

    private async ValueTask SkipToCloseAsync(CancellationToken token)
    {
        do
        {
            _start = _end;
        }
        while (await FillAsync(token));
    }

    private async ValueTask SkipChunkedAsync(CancellationToken token)
    {
        while (true)
        {
            var line = await ReadLineAsync(token);
            var size = ChunkSize(_buffer.AsSpan(line.Start, line.Length));
            if (size == 0)
            {
                // Trailers, if any, end with a blank line.
                while ((await ReadLineAsync(token)).Length > 0)
                {
                }

                return;
            }

            await SkipAsync(size + 2, token);
        }
    }

    private static long ChunkSize(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        var digits = (semicolon < 0 ? line : line[..semicolon]).Trim((byte)' ');
        return long.TryParse(digits, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var size) && size >= 0
            ? size
            : throw new InvalidDataException();
    }

    /// <summary>Reads up to the next CRLF and consumes it; the line stays in the buffer until the next read.</summary>
    private async ValueTask<(int Start, int Length)> ReadLineAsync(CancellationToken token)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (found >= 0)
            {
                var line = (_start, found);
                _start += found + 2;
                return line;
            }

            if (!await FillAsync(token))
            {
                throw new EndOfStreamException();
            }
        }
    }

    /// <summary>Reads more bytes after those not yet consumed; false when the server closed the connection.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken token)
    {
        var buffer = _buffer!;
        if (_start > 0)
        {
            buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == buffer.Length)
        {
            throw new InvalidDataException();
        }

        var read = await _socket!.ReceiveAsync(buffer.AsMemory(_end), SocketFlags.None, token);
        _answerStarted |= read > 0;
        _end += read;
        return read > 0;
    }
}
