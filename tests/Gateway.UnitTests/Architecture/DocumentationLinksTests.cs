using System.Text;
using System.Text.RegularExpressions;
using Gateway.UnitTests.Fixtures;

namespace Gateway.UnitTests.Architecture;

/// <summary>
/// The README and docs/ cite run reports and each other's sections as evidence; a link that leads nowhere is a claim
/// nobody can check. Twelve were found on 2026-12-07: eleven to storm reports never committed, one to a heading renamed.
/// </summary>
public sealed partial class DocumentationLinksTests
{
    [Fact]
    public void EveryRelativeLink_InTheReadmeAndDocs_LeadsToAFileAndAHeadingThatExist()
    {
        var problems = new List<string>();
        var headingsByFile = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var source in Sources())
        {
            var text = File.ReadAllText(source);
            foreach (Match link in Link().Matches(text))
            {
                var path = link.Groups["path"].Value;
                var anchor = link.Groups["anchor"].Value;
                if (path.Contains("://", StringComparison.Ordinal) || path.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                var target = path.Length == 0 ? source : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, Uri.UnescapeDataString(path)));
                var where = $"{Path.GetRelativePath(RepoPaths.Root, source)}: ({path}{anchor})";
                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    problems.Add($"{where} leads to no file");
                    continue;
                }

                if (anchor.Length > 1 && target.EndsWith(".md", StringComparison.Ordinal))
                {
                    if (!headingsByFile.TryGetValue(target, out var headings))
                    {
                        headings = Anchors(File.ReadAllText(target));
                        headingsByFile[target] = headings;
                    }

                    if (!headings.Contains(anchor[1..]))
                    {
                        problems.Add($"{where} names no heading there");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("## Quick start", "quick-start")]
    [InlineData("### Issue 16: the interleaved run with the tolerance floor (2026-12-07 11:41-12:21 UTC)", "issue-16-the-interleaved-run-with-the-tolerance-floor-2026-12-07-1141-1221-utc")]
    [InlineData("## `Gateway:Shutdown`", "gatewayshutdown")]
    public void Anchors_SlugAHeadingAsGitHubDoes(string heading, string anchor) =>
        Assert.Contains(anchor, Anchors(heading));

    private static IEnumerable<string> Sources() =>
        new[] { Path.Combine(RepoPaths.Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md"));

    /// <summary>GitHub's anchors for a page: each heading lower-cased, punctuation dropped, spaces to hyphens; and every
    /// explicit <c>&lt;a id="..."&gt;</c>.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in markdown.Split('\n'))
        {
            if (line.StartsWith('#'))
            {
                var slug = new StringBuilder();
                foreach (var c in line.TrimStart('#').Trim().ToLowerInvariant())
                {
                    if (char.IsLetterOrDigit(c) || c is '-' or '_')
                    {
                        slug.Append(c);
                    }
                    else if (c == ' ')
                    {
                        slug.Append('-');
                    }
                }

                anchors.Add(slug.ToString());
            }
        }

        foreach (Match id in ExplicitAnchor().Matches(markdown))
        {
            anchors.Add(id.Groups[1].Value);
        }

        return anchors;
    }

    // A markdown link's target: a relative path, an anchor, or both; images too.
    [GeneratedRegex(@"\]\((?<path>[^)#\s]*)(?<anchor>#[^)\s]*)?\)")]
    private static partial Regex Link();

    [GeneratedRegex("<a id=\"([^\"]+)\"")]
    private static partial Regex ExplicitAnchor();
}
