namespace Gateway.Streaming;

/// <summary>
/// The client side of a proxied WebSocket, as YARP's forwarder copies it: what it reads goes to the backend, what it
/// writes goes to the client. Following the frames both ways lets the gateway end the conversation properly, with a
/// close frame (1001 Going Away) to each end at a frame boundary, when it drains or when the conversation has been
/// idle for its idle timeout: the client gets the close as if from the server, the backend as if from the client
/// (masked, as a client's frames must be). Each end's close reply is not passed on, since the other end has had its
/// close already. An end that does not finish the handshake within <see cref="StreamingConstants.CloseTimeout"/> is
/// cut off.
/// </summary>
internal sealed class WebSocketRelayStream : Stream
{
    private readonly Stream _inner;
    private readonly HttpContext _context;
    private readonly OpenWebSockets _owner;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _interruptRead = new();
    private readonly ITimer _idleTimer;
    private readonly ITimer? _pingTimer;
    private readonly TimeSpan _keepAlive;
    private WebSocketFrames _toClient;
    private WebSocketFrames _fromClient;
    private CancellationTokenSource? _linkedRead;
    private CancellationToken _linkedFor;
    private ITimer? _abortTimer;
    private long _lastActivity;
    private int _closing;
    private bool _closeSentToClient;
    private bool _closeSentToBackend;
    private int _disposed;

    public WebSocketRelayStream(Stream inner, HttpContext context, OpenWebSockets owner, TimeProvider time, TimeSpan idleTimeout, TimeSpan keepAlive)
    {
        _inner = inner;
        _context = context;
        _owner = owner;
        _time = time;
        _idleTimeout = idleTimeout;
        _lastActivity = time.GetTimestamp();
        _idleTimer = time.CreateTimer(static s => ((WebSocketRelayStream)s!).IdleTick(), this, idleTimeout, Timeout.InfiniteTimeSpan);
        _keepAlive = keepAlive;
        if (keepAlive > TimeSpan.Zero)
        {
            _pingTimer = time.CreateTimer(static s => _ = ((WebSocketRelayStream)s!).PingClientAsync(), this, keepAlive, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Why the gateway closed the conversation, once it has begun to.</summary>
    public string? CloseReason { get; private set; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Starts the close: a close frame to each end as soon as its direction is at a frame boundary, then a deadline for
    /// the handshakes. Safe to call more than once and from any thread.
    /// </summary>
    public void BeginClose(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0 || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        CloseReason = reason;
        try
        {
            _abortTimer = _time.CreateTimer(static s => ((WebSocketRelayStream)s!).CloseTimedOut(), this, StreamingConstants.CloseTimeout, Timeout.InfiniteTimeSpan);
            // A read waiting for the client wakes up and hands the forwarder the backend's close instead.
            _interruptRead.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The conversation ended meanwhile; there is nothing left to close. (Called from timers and the drain,
            // where an exception would end the process or skip the other sockets.)
            return;
        }

        _ = CloseClientWhenIdleAsync();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_closeSentToBackend)
        {
            return await DiscardClientAsync(buffer, cancellationToken);
        }

        int closeLength;
        if (Closing && _fromClient.AtBoundary && !_fromClient.CloseSeen)
        {
            // A zero-byte read (the forwarder's wait for data) ends at once, so the read that follows gets the close.
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (TryCloseBackend(buffer, out closeLength))
            {
                return closeLength;
            }
        }

        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, Closing ? cancellationToken : ReadToken(cancellationToken));
        }
        catch (OperationCanceledException) when (_interruptRead.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Woken by BeginClose; Kestrel keeps unread bytes in its pipe, so nothing of the client's is lost. The
            // forwarder waits with a zero-byte read, whose end tells it to read for real: that read gets the close.
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (_fromClient.AtBoundary && TryCloseBackend(buffer, out closeLength))
            {
                return closeLength;
            }

            read = await _inner.ReadAsync(buffer, cancellationToken);
        }

        // While closing, only the rest of the frame under way goes on; the backend's close follows it.
        read = _fromClient.Advance(buffer.Span[..read], stopAtBoundary: Closing);
        Touch();
        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_closeSentToClient)
            {
                // The backend's close reply, or what it sent after the gateway's close: the client has its close.
                return;
            }

            var closing = Closing;
            if (closing && _toClient.AtBoundary)
            {
                // The close began before this frame: the client's close goes first. What the backend sent after it
                // (its close reply among it, when the close to the backend won the race to here) stays here, as it
                // would had the close to the client come first.
                await CloseClientAsync(cancellationToken);
                return;
            }

            var length = _toClient.Advance(buffer.Span, stopAtBoundary: closing);
            await _inner.WriteAsync(buffer[..length], cancellationToken);
            Touch();
            if (closing && _toClient.AtBoundary)
            {
                await CloseClientAsync(cancellationToken);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The forwarder only uses the asynchronous members; blocking on them here would be sync over async.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _owner.Remove(this);
            _idleTimer.Dispose();
            _pingTimer?.Dispose();
            _abortTimer?.Dispose();
            _linkedRead?.Dispose();
            _interruptRead.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool Closing => Volatile.Read(ref _closing) != 0;

    private void Touch() => Volatile.Write(ref _lastActivity, _time.GetTimestamp());

    private void IdleTick()
    {
        var idle = _time.GetElapsedTime(Volatile.Read(ref _lastActivity));
        if (idle >= _idleTimeout)
        {
            _owner.ClosedIdle(this, idle);
            BeginClose(StreamingConstants.IdleReason);
        }
        else if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _idleTimer.Change(_idleTimeout - idle, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Disposed since the check: the conversation is over.
            }
        }
    }

    private void CloseTimedOut()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            // An end that did not answer the close within the deadline: the forwarding ends with the connection.
            _context.Abort();
        }
    }

    /// <summary>
    /// The forwarder reads one token for the whole conversation (its idle timer's); it is linked once with the token
    /// <see cref="BeginClose"/> cancels, not per read.
    /// </summary>
    private CancellationToken ReadToken(CancellationToken cancellationToken)
    {
        if (_linkedRead is null || _linkedFor != cancellationToken)
        {
            _linkedRead?.Dispose();
            _linkedRead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _interruptRead.Token);
            _linkedFor = cancellationToken;
        }

        return _linkedRead.Token;
    }

    private bool TryCloseBackend(Memory<byte> buffer, out int length)
    {
        length = 0;
        if (_fromClient.CloseSeen)
        {
            // The client began the close handshake itself; the backend has its close already.
            return false;
        }

        var frame = WebSocketFrames.CloseFrame(StreamingConstants.GoingAway, masked: true, (uint)Random.Shared.Next());
        if (buffer.Length < frame.Length)
        {
            return false;
        }

        frame.CopyTo(buffer);
        _closeSentToBackend = true;
        length = frame.Length;
        return true;
    }

    /// <summary>After the backend's close: the client's own close reply and anything after it stay here.</summary>
    private async ValueTask<int> DiscardClientAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (await _inner.ReadAsync(buffer, cancellationToken) > 0)
        {
        }

        return 0;
    }

    /// <summary>
    /// A ping to the client when the conversation has been silent for the keep-alive interval, at a frame boundary
    /// and never waiting for the forwarder's writes (a busy conversation needs no ping). The ping itself is not
    /// traffic: a client that does not answer it is still closed at the idle timeout.
    /// </summary>
    private async Task PingClientAsync()
    {
        if (Closing || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            // Due a keep-alive interval after the last traffic, not on a fixed beat: the pong then has the rest of the
            // idle timeout to come back.
            var silent = _time.GetElapsedTime(Volatile.Read(ref _lastActivity));
            _pingTimer!.Change(silent < _keepAlive ? _keepAlive - silent : _keepAlive, Timeout.InfiniteTimeSpan);
            if (silent < _keepAlive || !_writeLock.Wait(0))
            {
                return;
            }

            try
            {
                if (_toClient.AtBoundary && !_closeSentToClient && !_toClient.CloseSeen)
                {
                    await _inner.WriteAsync(WebSocketFrames.PingFrame);
                    await _inner.FlushAsync();
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone; the forwarding ends by itself.
        }
    }

    private async Task CloseClientWhenIdleAsync()
    {
        try
        {
            await _writeLock.WaitAsync();
            try
            {
                if (_toClient.AtBoundary)
                {
                    await CloseClientAsync(CancellationToken.None);
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone already; the forwarding ends by itself.
        }
    }

    // Under the write lock.
    private async ValueTask CloseClientAsync(CancellationToken cancellationToken)
    {
        if (_closeSentToClient || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _closeSentToClient = true;
        if (!_toClient.CloseSeen)
        {
            await _inner.WriteAsync(WebSocketFrames.CloseFrame(StreamingConstants.GoingAway, masked: false), cancellationToken);
            await _inner.FlushAsync(cancellationToken);
        }
    }
}
