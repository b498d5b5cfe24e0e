using System.Globalization;
using Gateway.Answers;

namespace Gateway.UnitTests.Answers;

public sealed class RetryAfterTests
{
    [Fact]
    public void Jittered_SpreadsOverTheWholeWindow()
    {
        var seen = new HashSet<int>();
        for (var i = 0; i < 2000; i++)
        {
            var value = int.Parse(RetryAfter.Jittered(1, 5), CultureInfo.InvariantCulture);
            Assert.InRange(value, 1, 5);
            seen.Add(value);
        }

        Assert.Equal(5, seen.Count);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(600, "600")]
    [InlineData(3601, "3601")]
    public void Format_WholeSeconds(int seconds, string expected) => Assert.Equal(expected, RetryAfter.Format(seconds));

    [Theory]
    [InlineData("0", "0")]
    [InlineData("3", "3000")]
    [InlineData("3601", "3601000")]
    public void InMilliseconds_WholeSeconds(string retryAfter, string expected) => Assert.Equal(expected, RetryAfter.InMilliseconds(retryAfter));
}
