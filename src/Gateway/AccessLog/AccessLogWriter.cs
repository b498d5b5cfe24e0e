using System.Buffers;
using System.Text.Json;

namespace Gateway.AccessLog;

/// <summary>
/// Turns queued records into JSON lines and writes them in batches to the file or standard output, off the request
/// path. On stop it writes what is still queued, after the server has stopped taking requests. A file is reopened
/// when it has been rotated away (renamed or deleted, as logrotate's default <c>create</c> mode does): checked at most
/// once every <see cref="AccessLogConstants.RotationCheckInterval"/>, before a batch is written, so lines go to the new
/// file within about a second instead of to the renamed one for ever. Copy-and-truncate rotation needs no reopen
/// (the file is written in append mode).
/// </summary>
internal sealed class AccessLogWriter(
    AccessLogQueue queue, AccessLogOptions options, AccessLogMetrics metrics, TimeProvider time, ILogger<AccessLogWriter> logger)
    : BackgroundService
{
    private Stream? _output;
    private string? _openedAs;
    private long _nextRotationCheck;

    private string OutputName => options.Path ?? "stdout";

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Opened here, not in the loop: a path that cannot be written stops start-up with the reason instead of
        // failing later in the background.
        if (options.Path is null)
        {
            _output = Console.OpenStandardOutput();
        }
        else
        {
            var file = OpenFile(options.Path);
            _output = file;
            _openedAs = OpenedAs(file);
            _nextRotationCheck = time.GetTimestamp() + RotationCheckTicks;
        }

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
                    await WriteAsync(buffer, lines);
                    lines = 0;
                }
            }

            if (lines > 0)
            {
                await WriteAsync(buffer, lines);
                lines = 0;
            }
        }
    }

    private async Task WriteAsync(ArrayBufferWriter<byte> buffer, int lines)
    {
        try
        {
            if (options.Path is not null && time.GetTimestamp() >= _nextRotationCheck)
            {
                _nextRotationCheck = time.GetTimestamp() + RotationCheckTicks;
                await ReopenIfRotatedAsync(options.Path);
            }

            var output = _output!;
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

    private long RotationCheckTicks => (long)(AccessLogConstants.RotationCheckInterval.TotalSeconds * time.TimestampFrequency);

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, useAsync: true);

    /// <summary>
    /// Where the open file is now: on Linux the target of <c>/proc/self/fd/N</c>, which follows a rename and says
    /// "(deleted)" after a delete; elsewhere null (then only a path that no longer exists counts as rotated).
    /// </summary>
    private static string? OpenedAs(FileStream file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return File.ResolveLinkTarget($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task ReopenIfRotatedAsync(string path)
    {
        var current = (FileStream)_output!;
        if (File.Exists(path) && (_openedAs is null || OpenedAs(current) == _openedAs))
        {
            return;
        }

        FileStream reopened;
        try
        {
            reopened = OpenFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Keep writing to the old file; the next check tries again.
            Log.ReopenFailed(logger, path, ex);
            return;
        }

        _output = reopened;
        _openedAs = OpenedAs(reopened);
        await current.DisposeAsync();
        Log.Reopened(logger, path);
    }
}
