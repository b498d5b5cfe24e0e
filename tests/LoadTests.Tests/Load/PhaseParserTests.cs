using LoadTests.Load;

namespace LoadTests.Tests.Load;

public sealed class PhaseParserTests
{
    [Fact]
    public void Parse_EveryKind_InOrder()
    {
        var phases = PhaseParser.Parse("ramp:0-200:10s,constant:200:30s,spike:2000:500ms,pause:1m");

        Assert.Equal(
            [
                LoadPhase.Ramp(0, 200, TimeSpan.FromSeconds(10)),
                LoadPhase.Constant(200, TimeSpan.FromSeconds(30)),
                LoadPhase.Spike(2000, TimeSpan.FromMilliseconds(500)),
                LoadPhase.Pause(TimeSpan.FromMinutes(1)),
            ],
            phases);
    }

    [Theory]
    [InlineData("")]
    [InlineData("constant:10")]
    [InlineData("ramp:10:5s")]
    [InlineData("constant:-1:5s")]
    [InlineData("constant:10:0s")]
    [InlineData("wave:10:5s")]
    [InlineData("constant:10:5x")]
    public void Parse_Malformed_Throws(string text) => Assert.Throws<FormatException>(() => PhaseParser.Parse(text));
}
