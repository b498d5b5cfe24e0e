using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// Raw HTTP/2 frames over cleartext with prior knowledge, for attacks a real client library will not send (rapid
/// reset, CONTINUATION floods). Only what those tests need: a tiny HPACK encoder (literals, no Huffman) and a
/// reader that watches for GOAWAY or the connection closing.
/// </summary>
public sealed class RawHttp2 : IDisposable
{
    public const byte Headers = 0x1;
    public const byte RstStream = 0x3;
    public const byte Settings = 0x4;
    public const byte GoAway = 0x7;
    public const byte Continuation = 0x9;
    public const byte EndStream = 0x1;
    public const byte EndHeaders = 0x4;
    public const byte Ack = 0x1;

    private static readonly byte[] s_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RawHttp2(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>Completes with "goaway(code)", "closed" or "reset" when the server ends the connection.</summary>
    public Task<string> Ended => _ended.Task;

    public static async Task<RawHttp2> ConnectAsync(Uri server)
    {
        var connection = new RawHttp2(await RawHttp.ConnectAsync(server));
        await connection._stream.WriteAsync(s_preface);
        await connection.WriteFrameAsync(Settings, 0, 0, []);
        _ = Task.Run(connection.ReadLoopAsync);
        return connection;
    }

    /// <summary>An HPACK block for <c>GET path</c> with the given extra headers, all literals without indexing.</summary>
    public static byte[] RequestBlock(string path, params (string Name, string Value)[] extra)
    {
        var block = new List<byte> { 0x82, 0x86 }; // :method GET, :scheme http (static table)
        Literal(block, 4, null, path); // :path
        Literal(block, 1, null, "gw"); // :authority
        foreach (var (name, value) in extra)
        {
            Literal(block, 0, name, value);
        }

        return [.. block];
    }

    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId & int.MaxValue);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    public static byte[] RstCancel(int streamId)
    {
        var code = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(code, 0x8);
        return Frame(RstStream, 0, streamId, code);
    }

    public Task WriteFrameAsync(byte type, byte flags, int streamId, byte[] payload) => WriteAsync(Frame(type, flags, streamId, payload));

    /// <returns>False when the connection is gone.</returns>
    public async Task<bool> TryWriteAsync(byte[] bytes)
    {
        try
        {
            await WriteAsync(bytes);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task WriteAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    private async Task ReadLoopAsync()
    {
        var header = new byte[9];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload);
                if (header[3] == Settings && (header[4] & Ack) == 0)
                {
                    await TryWriteAsync(Frame(Settings, Ack, 0, []));
                }
                else if (header[3] == GoAway && length >= 8)
                {
                    _ended.TrySetResult($"goaway({BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4))})");
                }
            }
        }
        catch (EndOfStreamException)
        {
            _ended.TrySetResult("closed");
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _ended.TrySetResult("reset");
        }
    }

    private static void Literal(List<byte> block, int nameIndex, string? name, string value)
    {
        // Literal header field without indexing (RFC 7541 §6.2.2): 0000 + 4-bit name index, 0 for a new name.
        Integer(block, 0x00, 4, nameIndex);
        if (name is not null)
        {
            Integer(block, 0x00, 7, name.Length);
            block.AddRange(Encoding.ASCII.GetBytes(name));
        }

        Integer(block, 0x00, 7, value.Length);
        block.AddRange(Encoding.ASCII.GetBytes(value));
    }

    private static void Integer(List<byte> block, byte prefixBits, int prefixLength, int value)
    {
        var max = (1 << prefixLength) - 1;
        if (value < max)
        {
            block.Add((byte)(prefixBits | value));
            return;
        }

        block.Add((byte)(prefixBits | max));
        value -= max;
        while (value >= 128)
        {
            block.Add((byte)((value & 0x7f) | 0x80));
            value >>= 7;
        }

        block.Add((byte)value);
    }

    public void Dispose() => _client.Dispose();
}
