using Gateway.Streaming;

namespace Gateway.UnitTests.Streaming;

public sealed class WebSocketFramesTests
{
    [Fact]
    public void Advance_SmallMaskedFrameInPieces_AtBoundaryOnlyAfterItsLastByte()
    {
        // Masked text frame, 3 bytes of payload: 2 header bytes, 4 mask bytes, 3 payload bytes.
        byte[] frame = [0x81, 0x83, 1, 2, 3, 4, 9, 9, 9];
        var frames = default(WebSocketFrames);

        for (var i = 0; i < frame.Length - 1; i++)
        {
            frames.Advance(frame.AsSpan(i, 1));
            Assert.False(frames.AtBoundary, $"after byte {i}");
        }

        frames.Advance(frame.AsSpan(frame.Length - 1));
        Assert.True(frames.AtBoundary);
        Assert.False(frames.CloseSeen);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(70_000)]
    public void Advance_ExtendedLengths_FollowThePayload(int length)
    {
        var frame = new List<byte> { 0x82 };
        if (length < 65536)
        {
            frame.AddRange([126, (byte)(length >> 8), (byte)length]);
        }
        else
        {
            frame.AddRange([127, 0, 0, 0, 0, 0, (byte)(length >> 16), (byte)(length >> 8), (byte)length]);
        }

        frame.AddRange(new byte[length]);
        var frames = default(WebSocketFrames);

        frames.Advance(frame.ToArray().AsSpan(0, frame.Count - 1));
        Assert.False(frames.AtBoundary);
        frames.Advance(frame.ToArray().AsSpan(frame.Count - 1));
        Assert.True(frames.AtBoundary);
    }

    [Fact]
    public void Advance_StopAtBoundary_StopsAfterTheFrameUnderWay()
    {
        // The rest of a 2-byte payload, then a whole second frame.
        byte[] first = [0x81, 0x02, (byte)'a'];
        byte[] rest = [(byte)'b', 0x81, 0x01, (byte)'c'];
        var frames = default(WebSocketFrames);
        frames.Advance(first);

        var consumed = frames.Advance(rest, stopAtBoundary: true);

        Assert.Equal(1, consumed);
        Assert.True(frames.AtBoundary);
    }

    [Fact]
    public void CloseFrame_MaskedAndUnmasked_Carry1001AndAreSeenAsClose()
    {
        var unmasked = WebSocketFrames.CloseFrame(1001, masked: false);
        var masked = WebSocketFrames.CloseFrame(1001, masked: true, 0x11223344);

        Assert.Equal([0x88, 0x02, 0x03, 0xE9], unmasked);
        Assert.Equal([0x88, 0x82, 0x11, 0x22, 0x33, 0x44, 0x03 ^ 0x11, 0xE9 ^ 0x22], masked);
        var frames = default(WebSocketFrames);
        frames.Advance(masked);
        Assert.True(frames.AtBoundary);
        Assert.True(frames.CloseSeen);
    }
}
