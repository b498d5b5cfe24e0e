using System.Buffers.Binary;

namespace Gateway.Streaming;

/// <summary>
/// Follows the frames of one direction of a WebSocket (RFC 6455 section 5.2) as its bytes pass through, without
/// copying them, so the gateway knows where one frame ends and may put a frame of its own there. Holds only the
/// header being read and the payload bytes still to come.
/// </summary>
internal struct WebSocketFrames
{
    private const int MaxHeader = 14;
    private const byte OpcodeClose = 0x8;

    private ulong _payloadLeft;
    private int _headerRead;
    private int _headerSize;
    private HeaderBytes _header;

    /// <summary>Whether the bytes so far end exactly at the end of a frame.</summary>
    public readonly bool AtBoundary => _headerRead == 0 && _payloadLeft == 0;

    /// <summary>Whether a close frame passed (the conversation's close handshake has begun in this direction).</summary>
    public bool CloseSeen { get; private set; }

    /// <summary>Follows <paramref name="bytes"/>, the next bytes of the direction.</summary>
    public void Advance(ReadOnlySpan<byte> bytes) => Advance(bytes, stopAtBoundary: false);

    /// <summary>
    /// Follows <paramref name="bytes"/> up to the end of the frame they are in when <paramref name="stopAtBoundary"/>,
    /// else all of them.
    /// </summary>
    /// <returns>How many bytes were followed: all of them, or those up to and including the end of that frame.</returns>
    public int Advance(ReadOnlySpan<byte> bytes, bool stopAtBoundary)
    {
        var consumed = 0;
        while (consumed < bytes.Length)
        {
            if (_payloadLeft > 0)
            {
                var take = (int)Math.Min(_payloadLeft, (ulong)(bytes.Length - consumed));
                _payloadLeft -= (ulong)take;
                consumed += take;
            }
            else
            {
                _header[_headerRead++] = bytes[consumed++];
                if (_headerRead == 2)
                {
                    var length = _header[1] & 0x7F;
                    _headerSize = 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + ((_header[1] & 0x80) != 0 ? 4 : 0);
                }

                if (_headerRead >= 2 && _headerRead == _headerSize)
                {
                    _payloadLeft = PayloadLength();
                    if ((_header[0] & 0x0F) == OpcodeClose)
                    {
                        CloseSeen = true;
                    }

                    _headerRead = 0;
                }
            }

            if (stopAtBoundary && AtBoundary)
            {
                break;
            }
        }

        return consumed;
    }

    private readonly ulong PayloadLength()
    {
        var length = _header[1] & 0x7F;
        ReadOnlySpan<byte> header = _header;
        return length switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            127 => BinaryPrimitives.ReadUInt64BigEndian(header[2..]),
            _ => (ulong)length,
        };
    }

    /// <summary>An unmasked ping frame with no payload, as a server sends it to a client.</summary>
    public static ReadOnlyMemory<byte> PingFrame { get; } = new byte[] { 0x89, 0x00 };

    /// <summary>
    /// A close frame with <paramref name="status"/> and no reason: unmasked as a server sends it to a client, or masked
    /// with <paramref name="mask"/> as a client must send it to a server.
    /// </summary>
    public static byte[] CloseFrame(ushort status, bool masked, uint mask = 0)
    {
        Span<byte> payload = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, status);
        if (!masked)
        {
            return [0x80 | OpcodeClose, 2, payload[0], payload[1]];
        }

        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, mask);
        return [0x80 | OpcodeClose, 0x80 | 2, key[0], key[1], key[2], key[3], (byte)(payload[0] ^ key[0]), (byte)(payload[1] ^ key[1])];
    }

    [System.Runtime.CompilerServices.InlineArray(MaxHeader)]
    private struct HeaderBytes
    {
        private byte _first;
    }
}
