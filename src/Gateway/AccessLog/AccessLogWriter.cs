using System.Buffers;
using System.Text.Json;

namespace Gateway.AccessLog;

/// <summary>
/// Turns queued records into JSON lines and writes them in batches to the file or standard output, off the request
/// path. On stop it writes what is still queued, after the server has stopped taking requests.
/// </summary>
internal sealed class AccessLogWriter(
    AccessLogQueue queue, AccessLogOptions options, AccessLogMetrics metrics, TimeProvider time, ILogger<AccessLogWriter> logger)
    : BackgroundService
{
    private Stream? _output;

    private string OutputName => options.Path ?? "stdout";

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Opened here, not in the loop: a path that cannot be written stops start-up with the reason instead of
        // failing later in the background.
        _output = options.Path is null
            ? Console.OpenStandardOutput()
            : new FileStream(options.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, useAsync: true);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _output?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var output = _output!;
        var buffer = new ArrayBufferWriter<byte>(AccessLogConstants.BatchBytes * 2);
        await using var json = new Utf8JsonWriter(buffer);
        var reader = queue.Reader;
        var lines = 0;

        // Not cancelled by the stopping token: the loop ends when StopAsync completes the queue and it is empty.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (reader.TryRead(out var record))
            {
                json.Reset(buffer);
                record.WriteTo(json, time);
                json.Flush();
                buffer.Write("\n"u8);
                lines++;
                if (buffer.WrittenCount >= AccessLogConstants.BatchBytes)
                {
                    await WriteAsync(output, buffer, lines);
                    lines = 0;
                }
            }

            if (lines > 0)
            {
                await WriteAsync(output, buffer, lines);
                lines = 0;
            }
        }
    }

    private async Task WriteAsync(Stream output, ArrayBufferWriter<byte> buffer, int lines)
    {
        try
        {
            await output.WriteAsync(buffer.WrittenMemory);
            await output.FlushAsync();
        }
        catch (IOException ex)
        {
            metrics.Dropped(lines);
            Log.WriteFailed(logger, OutputName, lines, ex);
        }
        finally
        {
            buffer.ResetWrittenCount();
        }
    }
}
