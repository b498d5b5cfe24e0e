using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.AccessLog;

/// <summary>
/// Counts the response body bytes written through either face of the server's body feature (the stream YARP copies
/// into, the pipe the gateway's own answers write to); everything else is the server's.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The wrapper does not own the server's stream; disposing it would close the response.")]
internal sealed class CountingResponseBodyFeature : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly CountingStream _stream;
    private readonly CountingPipeWriter _writer;

    public CountingResponseBodyFeature(IHttpResponseBodyFeature inner)
    {
        _inner = inner;
        _stream = new CountingStream(inner.Stream);
        _writer = new CountingPipeWriter(inner.Writer, _stream);
    }

    public IHttpResponseBodyFeature Inner => _inner;

    public long Bytes => _stream.Bytes;

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer;

    public Task CompleteAsync() => _inner.CompleteAsync();

    public void DisableBuffering() => _inner.DisableBuffering();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await _inner.SendFileAsync(path, offset, count, cancellationToken);
        _stream.Add(count ?? (new FileInfo(path).Length - offset));
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    private sealed class CountingPipeWriter(PipeWriter inner, CountingStream counter) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            counter.Add(bytes);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            counter.Add(source.Length);
            return inner.WriteAsync(source, cancellationToken);
        }
    }
}
