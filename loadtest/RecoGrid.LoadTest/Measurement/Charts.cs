using ScottPlot;
using RecoGrid.LoadTest.Simulation;

namespace RecoGrid.LoadTest.Measurement;

/// <summary>PNG charts of a run's timeline: latency percentiles, throughput, errors per second.</summary>
internal static class Charts
{
    public const string Latency = "latency.png";
    public const string Throughput = "throughput.png";
    public const string Errors = "errors.png";
    public const string Memory = "memory.png";

    /// <summary>Writes the three charts into <paramref name="folder"/>.</summary>
    public static void Write(SimulationReport report, string folder)
    {
        var timeline = report.Timeline;
        double[] xs = [.. timeline.Select(s => (double)s.Second)];
        if (xs.Length == 0)
        {
            xs = [0];
        }

        Save(folder, Latency, "Latency per second (from the scheduled send time)", "ms", plot =>
        {
            foreach (var endpoint in Enum.GetValues<Endpoint>())
            {
                var samples = timeline.Select(s => Of(s, endpoint).Latency).ToArray();
                Line(plot, xs, samples.Select(l => l.P50), $"{Name(endpoint)} p50");
                Line(plot, xs, samples.Select(l => l.P99), $"{Name(endpoint)} p99");
                Line(plot, xs, samples.Select(l => l.P999), $"{Name(endpoint)} p99.9");
            }
        });
        Save(folder, Throughput, "Answers per second", "requests/s", plot =>
        {
            foreach (var endpoint in Enum.GetValues<Endpoint>())
            {
                Line(plot, xs, timeline.Select(s => (double)Of(s, endpoint).Ok), $"{Name(endpoint)} ok");
            }

            Line(plot, xs, timeline.Select(s => (double)(s.Events.Ok + s.Recommendations.Ok)), "all ok");
            if (report.RateSteps is not null)
            {
                Line(plot, xs, timeline.Select(s => s.TargetRate), "target rate");
            }
        });
        WriteMemory(timeline, folder);
        Save(folder, Errors, "Errors per second by status", "errors/s", plot =>
        {
            var statuses = timeline.SelectMany(s => s.Events.Errors.Keys.Concat(s.Recommendations.Errors.Keys)).Distinct().Order(StringComparer.Ordinal).ToList();
            if (statuses.Count == 0)
            {
                Line(plot, xs, xs.Select(_ => 0.0), "no errors");
            }

            foreach (var status in statuses)
            {
                Line(plot, xs, timeline.Select(s => (double)(s.Events.Errors.GetValueOrDefault(status) + s.Recommendations.Errors.GetValueOrDefault(status))), status);
            }
        });
    }

    /// <summary>The node's memory and active users per second (seconds without a /metrics sample are left out).</summary>
    private static void WriteMemory(IReadOnlyList<SecondSummary> timeline, string folder)
    {
        var sampled = timeline.Where(s => s.Server is not null).ToList();
        if (sampled.Count == 0)
        {
            return;
        }

        double[] xs = [.. sampled.Select(s => (double)s.Second)];
        Save(folder, Memory, "Node memory and active users", "MB / thousands of users", plot =>
        {
            Line(plot, xs, sampled.Select(s => (s.Server!.WorkingSetBytes ?? 0) / 1048576.0), "working set (MB)");
            Line(plot, xs, sampled.Select(s => (s.Server!.ManagedHeapBytes ?? 0) / 1048576.0), "managed heap after last GC (MB)");
            Line(plot, xs, sampled.Select(s => (s.Server!.UserActivations ?? 0) / 1000.0), "active user grains (thousands)");
            Line(plot, xs, sampled.Select(s => s.DistinctUsers / 1000.0), "distinct users simulated (thousands)");
        });
    }

    private static SecondSample Of(SecondSummary second, Endpoint endpoint) => endpoint == Endpoint.Events ? second.Events : second.Recommendations;

    private static string Name(Endpoint endpoint) => endpoint == Endpoint.Events ? "events" : "recommendations";

    private static void Line(Plot plot, double[] xs, IEnumerable<double> ys, string label)
    {
        double[] values = [.. ys];
        if (values.Length == 0)
        {
            values = [0];
        }

        var line = plot.Add.Scatter(xs, values);
        line.LegendText = label;
        line.MarkerSize = 0;
    }

    private static void Save(string folder, string file, string title, string unit, Action<Plot> draw)
    {
        using var plot = new Plot();
        draw(plot);
        plot.Title(title);
        plot.XLabel("seconds");
        plot.YLabel(unit);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(Path.Combine(folder, file), 1200, 600);
    }
}
