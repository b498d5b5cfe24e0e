namespace Gateway.FunctionalTests.Fixtures;

/// <summary>Finds the repository and the built gateway, for tests that run the real executable.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The gateway assembly built in the same configuration as these tests.</summary>
    public static string GatewayDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // .../bin/<Configuration>/net10.0/
            return Path.Combine(Root, "src", "Gateway", "bin", configuration, "net10.0", "Gateway.dll");
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
    }
}
