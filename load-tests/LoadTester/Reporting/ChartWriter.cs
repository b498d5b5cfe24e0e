using ScottPlot;

namespace LoadTests.Reporting;

/// <summary>A PNG of one run over time: goodput, rejections and errors per second (left axis) and p99 (right).</summary>
internal static class ChartWriter
{
    public static void Write(RunReport run, string scenario, string path)
    {
        var plot = new Plot();
        // Each point is a one-second bucket, drawn at its middle so the line lines up with the events' times.
        var seconds = run.Timeline.Select(p => p.Second + 0.5).ToArray();
        if (seconds.Length == 0)
        {
            seconds = [0.5];
        }

        AddLine(plot, seconds, run.Timeline.Select(p => (double)p.Goodput).ToArray(), "goodput /s", Colors.Green);
        AddLine(plot, seconds, run.Timeline.Select(p => (double)p.Rejections).ToArray(), "rejections (429/503) /s", Colors.Orange);
        AddLine(plot, seconds, run.Timeline.Select(p => (double)p.Errors).ToArray(), "other errors /s", Colors.Red);
        var p99 = AddLine(plot, seconds, run.Timeline.Select(p => p.P99Ms ?? double.NaN).ToArray(), "p99 ms (right axis)", Colors.Blue);
        p99.Axes.YAxis = plot.Axes.Right;
        p99.LinePattern = LinePattern.Dashed;

        foreach (var e in run.Events)
        {
            var line = plot.Add.VerticalLine(e.AtSeconds, 1, Colors.Gray);
            line.LinePattern = LinePattern.Dotted;
            // In the legend rather than on the line: labels above the plot collide with the title.
            line.LegendText = FormattableString.Invariant($"{e.AtSeconds:0.#} s: {e.What}");
        }

        plot.Title($"{scenario}: {run.Name}");
        plot.XLabel("seconds since the first scheduled start (per second of completion)");
        plot.YLabel("per second");
        plot.Axes.Right.Label.Text = "p99 latency, ms";
        // Counts and latency both start at zero; autoscaling would float the baseline and hide a drop to nothing.
        var top = run.Timeline.Select(p => (double)Math.Max(p.Goodput, Math.Max(p.Rejections, p.Errors))).DefaultIfEmpty(0).Max();
        var topP99 = run.Timeline.Select(p => p.P99Ms ?? 0).DefaultIfEmpty(0).Max();
        plot.Axes.SetLimitsX(0, seconds[^1] + 0.5);
        plot.Axes.SetLimitsY(0, Math.Max(1, top * 1.1), plot.Axes.Left);
        plot.Axes.SetLimitsY(0, Math.Max(1, topP99 * 1.1), plot.Axes.Right);
        plot.Legend.IsVisible = true;
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.SavePng(path, 1200, 600);
    }

    private static ScottPlot.Plottables.Scatter AddLine(Plot plot, double[] xs, double[] ys, string label, Color color)
    {
        var line = plot.Add.Scatter(xs, ys.Length == xs.Length ? ys : new double[xs.Length]);
        line.LegendText = label;
        line.Color = color;
        line.MarkerSize = 0;
        line.LineWidth = 2;
        return line;
    }
}
