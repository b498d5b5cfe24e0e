using System.Globalization;

namespace LoadTests.Clients;

/// <summary>What the machine lets the load generator hold open.</summary>
internal static class ClientLimits
{
    private const int Fallback = 10_000;

    /// <summary>90 % of the soft open-file limit (each connection is a file descriptor), or 10,000 when unknown.</summary>
    public static int DefaultMaxConnections()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var files)
                        ? (int)Math.Clamp(files * 9 / 10, 100, 1_000_000)
                        : Fallback;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Fallback;
    }
}
