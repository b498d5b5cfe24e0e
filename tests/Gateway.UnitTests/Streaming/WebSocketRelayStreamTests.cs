using Gateway.Shutdown;
using Gateway.Streaming;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Streaming;

public sealed class WebSocketRelayStreamTests
{
    private const ushort NormalClosure = 1000;

    [Fact]
    public async Task Drain_BackendsCloseReplyWinsTheRaceToTheWriteLock_TheClientStillGets1001()
    {
        using var drain = new DrainState();
        var client = new ClientSide();
        using var relay = Relay(client, drain);

        // The forwarder's zero-byte read waits for the client. The drain wakes it; on a loaded machine the close to the
        // backend and the backend's reply (a 1000) can then reach the relay's writes before the close to the client
        // does. Here that happens inline, inside the drain's wake-up, so the reply always comes first.
        var wakeUp = relay.ReadAsync(Memory<byte>.Empty).AsTask();
        var reply = wakeUp.ContinueWith(
            _ => relay.WriteAsync(WebSocketFrames.CloseFrame(NormalClosure, masked: false)).AsTask(),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        drain.EndDelay();
        await reply.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([StreamingConstants.GoingAway], client.CloseStatuses());
    }

    [Fact]
    public async Task Drain_FrameUnderWayToTheClient_EndsBeforeThe1001()
    {
        using var drain = new DrainState();
        var client = new ClientSide();
        using var relay = Relay(client, drain);
        // An unmasked text frame of 4 bytes, sent in two pieces with the drain between them.
        byte[] text = [0x81, 0x04, (byte)'a', (byte)'b', (byte)'c', (byte)'d'];

        await relay.WriteAsync(text.AsMemory(0, 3));
        drain.EndDelay();
        await relay.WriteAsync(text.AsMemory(3));

        Assert.Equal(text, client.Written.Take(text.Length));
        Assert.Equal([StreamingConstants.GoingAway], client.CloseStatuses());
    }

    private static WebSocketRelayStream Relay(ClientSide client, DrainState drain)
    {
        var open = new OpenWebSockets(drain, NullLogger<OpenWebSockets>.Instance);
        var relay = new WebSocketRelayStream(client, new DefaultHttpContext(), open, new FakeTimeProvider(), TimeSpan.FromMinutes(5), keepAlive: TimeSpan.Zero);
        open.Add(relay);
        return relay;
    }

    /// <summary>The client's end of the conversation: reads wait until cancelled, writes are kept.</summary>
    private sealed class ClientSide : Stream
    {
        private readonly List<byte> _written = [];

        public IReadOnlyList<byte> Written
        {
            get
            {
                lock (_written)
                {
                    return [.. _written];
                }
            }
        }

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        /// <summary>The status of every close frame written, in order.</summary>
        public List<ushort> CloseStatuses()
        {
            var bytes = Written;
            var statuses = new List<ushort>();
            var frames = default(WebSocketFrames);
            for (var start = 0; start < bytes.Count;)
            {
                var rest = bytes.Skip(start).ToArray();
                var length = frames.Advance(rest, stopAtBoundary: true);
                if ((rest[0] & 0x0F) == 0x8)
                {
                    statuses.Add((ushort)((rest[2] << 8) | rest[3]));
                }

                start += length;
            }

            return statuses;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // Completed by the cancellation's own callback, so what follows the wake-up runs inline, as it can in Kestrel.
            var never = new TaskCompletionSource<int>();
            await using var registration = cancellationToken.Register(() => never.TrySetCanceled(cancellationToken));
            return await never.Task;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_written)
            {
                _written.AddRange(buffer.ToArray());
            }

            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
