using SampleBackend;

namespace Gateway.UnitTests.SampleBackend;

/// <summary>The sample backend's instance list, parsed without starting an instance (those tests are in FunctionalTests).</summary>
public sealed class SampleBackendTests
{
    [Fact]
    public void ParseList_ReadsNameRegionPort()
    {
        var specs = InstanceSpec.ParseList("eu-1@eu-west:5101, us-1@us-east:5201");
        Assert.Equal([new InstanceSpec("eu-1", "eu-west", 5101), new InstanceSpec("us-1", "us-east", 5201)], specs);
    }

    [Theory]
    [InlineData("eu-1:5101")]
    [InlineData("eu-1@eu-west")]
    [InlineData("a@r:1,a@r:2")]
    public void ParseList_Malformed_Throws(string text) => Assert.Throws<FormatException>(() => InstanceSpec.ParseList(text));
}
