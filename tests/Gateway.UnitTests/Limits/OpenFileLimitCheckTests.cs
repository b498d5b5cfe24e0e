using Gateway.Limits;

namespace Gateway.UnitTests.Limits;

public sealed class OpenFileLimitCheckTests
{
    private const string Limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            1024                 524288               files
        Max locked memory         8388608              8388608              bytes
        """;

    [Fact]
    public void SoftLimit_ReadsTheSoftColumnOfOpenFiles()
    {
        Assert.Equal(1024, OpenFileLimitCheck.SoftLimit(Limits));
    }

    [Fact]
    public void SoftLimit_UnlimitedOrMissing_IsNull()
    {
        Assert.Null(OpenFileLimitCheck.SoftLimit(Limits.Replace("1024                 524288", "unlimited            unlimited", StringComparison.Ordinal)));
        Assert.Null(OpenFileLimitCheck.SoftLimit("Limit Soft Limit Hard Limit Units\n"));
    }

    [Theory]
    [InlineData(10_000, 1024, true)]
    [InlineData(19_000, 20_000, false)]
    [InlineData(19_800, 20_000, true)]
    [InlineData(768, 1024, false)]
    public void Exceeds_WhenTheCapLeavesLessThanTheReserve(long cap, long limit, bool expected)
    {
        Assert.Equal(expected, OpenFileLimitCheck.Exceeds(cap, limit));
    }

    [Fact]
    public void SoftLimit_OfThisProcess_IsFoundOnLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(OpenFileLimitCheck.SoftLimit(File.ReadAllText("/proc/self/limits")) is null or > 0);
    }
}
