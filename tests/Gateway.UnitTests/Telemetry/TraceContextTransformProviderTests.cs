using System.Diagnostics;
using Gateway.Telemetry;

namespace Gateway.UnitTests.Telemetry;

public sealed class TraceContextTransformProviderTests
{
    [Fact]
    public void Format_CallersTraceId_KeepsItWithANewSpanNotSampled()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        var traceParent = TraceContextTransformProvider.Format(traceId);

        Assert.True(ActivityContext.TryParse(traceParent, null, out var context));
        Assert.Equal(traceId, context.TraceId.ToHexString());
        Assert.Equal(ActivityTraceFlags.None, context.TraceFlags);
        Assert.NotEqual(TraceContextTransformProvider.Format(traceId), traceParent);
    }

    [Theory]
    [InlineData(ActivityTraceFlags.Recorded, "-01")]
    [InlineData(ActivityTraceFlags.None, "-00")]
    [InlineData((ActivityTraceFlags)0x03, "-03")]
    public void Format_Flags_WrittenAsTwoLowerHexDigits(ActivityTraceFlags flags, string suffix)
    {
        var traceParent = TraceContextTransformProvider.Format("4bf92f3577b34da6a3ce929d0e0e4736", flags);

        Assert.EndsWith(suffix, traceParent, StringComparison.Ordinal);
        Assert.True(ActivityContext.TryParse(traceParent, null, out var context));
        Assert.Equal(flags, context.TraceFlags);
    }

    [Fact]
    public void Format_NoTraceId_StartsANewValidTrace()
    {
        var first = TraceContextTransformProvider.Format(default);
        var second = TraceContextTransformProvider.Format(default);

        Assert.True(ActivityContext.TryParse(first, null, out var context));
        Assert.NotEqual(default, context.TraceId);
        Assert.NotEqual(first.Split('-')[1], second.Split('-')[1]);
    }
}
