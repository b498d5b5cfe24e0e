namespace LoadTests.Tests.Fixtures;

/// <summary>
/// One Markdown table of a report (bench.sh's bench.md), read by column name: the header row, then one row per
/// first-column value (bench.sh's proxy names).
/// </summary>
public sealed class MarkdownTable
{
    private readonly Dictionary<string, string[]> _rows;

    private MarkdownTable(string[] header, Dictionary<string, string[]> rows)
    {
        Header = header;
        _rows = rows;
    }

    /// <summary>The header cells, trimmed.</summary>
    public string[] Header { get; }

    /// <summary>The first column of every row, in order.</summary>
    public IReadOnlyCollection<string> Keys => _rows.Keys;

    /// <summary>Every table in <paramref name="markdown"/> whose header starts with <paramref name="firstColumn"/>, in order.</summary>
    public static IReadOnlyList<MarkdownTable> All(string markdown, string firstColumn = "proxy")
    {
        var tables = new List<MarkdownTable>();
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith($"| {firstColumn} |", StringComparison.Ordinal))
            {
                continue;
            }

            var header = Cells(lines[i]);
            var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
            for (i += 2; i < lines.Length && lines[i].StartsWith('|'); i++)
            {
                var cells = Cells(lines[i]);
                rows[cells[0]] = cells;
            }

            tables.Add(new MarkdownTable(header, rows));
        }

        return tables;
    }

    /// <summary>The cell of row <paramref name="key"/> under <paramref name="column"/>; fails the test when either is missing.</summary>
    public string Cell(string key, string column)
    {
        var index = Array.IndexOf(Header, column);
        Assert.True(index >= 0, $"no column '{column}' in | {string.Join(" | ", Header)} |");
        Assert.True(_rows.TryGetValue(key, out var row), $"no row for {key}; rows: {string.Join(", ", _rows.Keys)}");
        return row[index];
    }

    private static string[] Cells(string line) => line.Trim().Trim('|').Split('|', StringSplitOptions.TrimEntries);
}
