using Gateway.Limits;

namespace Gateway.UnitTests.Limits;

public sealed class InlineSocketCompletionsTests
{
    private const string Config = "Gateway:Limits:InlineSocketCompletions";
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    [Theory]
    [InlineData(null, null, true, Config)]
    [InlineData("true", null, true, Config)]
    [InlineData("True", null, true, Config)]
    [InlineData("false", null, false, Config)]
    [InlineData("maybe", null, false, Config)]
    [InlineData("false", "1", true, Variable)]
    [InlineData(null, "0", false, Variable)]
    [InlineData("true", "", false, Variable)]
    [InlineData(null, "true", false, Variable)]
    public void Decide_TheVariableWinsElseTheConfigDefaultOn(string? configured, string? environment, bool inline, string decidedBy) =>
        Assert.Equal(new InlineSocketCompletions.Decision(inline, decidedBy), InlineSocketCompletions.Decide(configured, environment));
}
