namespace LoadTests.Load;

internal static class LoadConstants
{
    /// <summary>How often the closed model adjusts its user count to the phases.</summary>
    public static readonly TimeSpan ClosedModelTick = TimeSpan.FromMilliseconds(100);
}
