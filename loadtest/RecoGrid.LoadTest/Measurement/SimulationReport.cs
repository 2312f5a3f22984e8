using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RecoGrid.LoadTest.Simulation;

namespace RecoGrid.LoadTest.Measurement;

/// <summary>One endpoint over the whole run.</summary>
internal sealed record EndpointSummary(string Endpoint, long Sent, long Ok, IReadOnlyDictionary<string, long> Errors, double OkPerSecond, Percentiles Latency);

/// <summary>One second of the run, both endpoints, and the node's memory when it could be read.</summary>
internal sealed record SecondSummary(int Second, double TargetRate, SecondSample Events, SecondSample Recommendations, long DistinctUsers = 0, ServerSample? Server = null);

/// <summary>
/// The node's memory over the run (from its /metrics): at the start, at its peak, at the end, and the cost of one more
/// active user (the growth of memory over the growth of active user grains between the first sample and the sample
/// with the most of them).
/// </summary>
internal sealed record ServerMemory(
    long? StartWorkingSetBytes, long? PeakWorkingSetBytes, long? EndWorkingSetBytes, long? PeakManagedHeapBytes,
    long? PeakUserActivations, long? EndUserActivations, long? UsersActivated, long DistinctUsers,
    double? WorkingSetBytesPerActiveUser, double? ManagedHeapBytesPerActiveUser, string? Problem)
{
    public static ServerMemory Of(IReadOnlyList<SecondSummary> timeline, string? problem)
    {
        var samples = timeline.Where(s => s.Server is not null).Select(s => s.Server!).ToList();
        var distinct = timeline.Count == 0 ? 0 : timeline[^1].DistinctUsers;
        if (samples.Count == 0)
        {
            return new ServerMemory(null, null, null, null, null, null, null, distinct, null, null, problem ?? "no /metrics sample was read");
        }

        var first = samples[0];
        var peak = samples.MaxBy(s => s.UserActivations ?? 0)!;
        var added = (peak.UserActivations ?? 0) - (first.UserActivations ?? 0);
        double? Per(long? at, long? start) => added >= 10_000 && at is { } a && start is { } b ? (double)(a - b) / added : null;
        return new ServerMemory(
            first.WorkingSetBytes, samples.Max(s => s.WorkingSetBytes), samples[^1].WorkingSetBytes, samples.Max(s => s.ManagedHeapBytes),
            peak.UserActivations, samples[^1].UserActivations, samples[^1].UsersActivated, distinct,
            Per(peak.WorkingSetBytes, first.WorkingSetBytes), Per(peak.ManagedHeapBytes, first.ManagedHeapBytes), problem);
    }
}

/// <summary>One rate --find-max tried.</summary>
internal sealed record FindMaxStep(double Rate, double Seconds, double AchievedRate, double WorstP99Ms, double ErrorRate, bool Passed, string Verdict);

/// <summary>The outcome of --find-max.</summary>
internal sealed record FindMaxResult(double SloP99Ms, double MaxErrorRate, double? MaxRate, IReadOnlyList<FindMaxStep> Steps, string Bound);

/// <summary>Everything a run reports, as report.json holds it.</summary>
internal sealed record SimulationReport(
    DateTimeOffset At,
    string Mode,
    string Target,
    bool Http2,
    int ClientProcessors,
    double? ServerStartupSeconds,
    PopulationSettings Population,
    string Mix,
    IReadOnlyList<RateStep>? RateSteps,
    int? Concurrency,
    double Seconds,
    long Sent,
    long ClientSaturated,
    long NewUsers,
    double ModelShare,
    IReadOnlyList<EndpointSummary> Endpoints,
    IReadOnlyList<SecondSummary> Timeline,
    FindMaxResult? FindMax,
    ServerMemory? Memory = null)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SimulationReport FromJson(string json) => JsonSerializer.Deserialize<SimulationReport>(json, Json)!;

    /// <summary>A Markdown summary: settings, per-endpoint latency and errors, the --find-max steps, the charts.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# RecoGrid load test ({Mode})");
        md.AppendLine();
        md.AppendLine(c, $"- target: {Target} ({(Http2 ? "HTTP/2" : "HTTP/1.1")}), at {At:u}, client processors: {ClientProcessors}");
        md.AppendLine(c, $"- population: {Population.Users:N0} users (Zipf {Population.UserSkew}), {Population.Items:N0} items (Zipf {Population.ItemSkew}), {Population.NewUsersPerSecond} new users/s ({NewUsers:N0} arrived), sessions of {Population.SessionLength} requests on average, mix {Mix}");
        if (RateSteps is { Count: > 0 } steps)
        {
            md.AppendLine(c, $"- open loop, Poisson arrivals: {string.Join(", ", steps.Select(s => string.Create(c, $"{s.RequestsPerSecond:0.#}/s for {s.Duration.TotalSeconds:0.#} s")))}");
        }
        else if (Concurrency is { } callers)
        {
            md.AppendLine(c, $"- closed loop: {callers} callers");
        }

        md.AppendLine(c, $"- {Seconds:F1} s, {Sent:N0} requests sent, {ClientSaturated:N0} not sent in time (client saturated), {ModelShare:P1} of recommendations from the model");
        if (ServerStartupSeconds is { } startup)
        {
            md.AppendLine(c, $"- node started by the load test: {startup:F2} s to /readyz");
        }

        md.AppendLine();
        md.AppendLine("| endpoint | ok | ok/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var e in Endpoints)
        {
            var errors = e.Errors.Count == 0 ? "none" : string.Join(", ", e.Errors.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(c, $"{p.Key}: {p.Value}")));
            md.AppendLine(c, $"| {e.Endpoint} | {e.Ok:N0} | {e.OkPerSecond:F0} | {e.Latency.P50:F2} | {e.Latency.P90:F2} | {e.Latency.P99:F2} | {e.Latency.P999:F2} | {e.Latency.Max:F2} | {errors} |");
        }

        if (FindMax is { } find)
        {
            md.AppendLine();
            md.AppendLine(c, $"## Highest rate at p99 ≤ {find.SloP99Ms} ms (errors ≤ {find.MaxErrorRate:P1}): {(find.MaxRate is { } max ? string.Create(c, $"**{max:F0} requests/s**") : "none of the rates tried")}");
            md.AppendLine();
            md.AppendLine(c, $"{find.Bound}");
            md.AppendLine();
            md.AppendLine("| target/s | achieved/s | worst p99 ms | errors | verdict |");
            md.AppendLine("|---:|---:|---:|---:|---|");
            foreach (var s in find.Steps)
            {
                md.AppendLine(c, $"| {s.Rate:F0} | {s.AchievedRate:F0} | {s.WorstP99Ms:F2} | {s.ErrorRate:P2} | {s.Verdict} |");
            }
        }

        if (Memory is { } memory)
        {
            md.AppendLine();
            md.AppendLine(c, $"## Node memory");
            md.AppendLine();
            if (memory.StartWorkingSetBytes is null)
            {
                md.AppendLine(c, $"Not observed: {memory.Problem}. {memory.DistinctUsers:N0} distinct users were simulated.");
            }
            else
            {
                static string Mb(long? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b / 1048576.0:F0} MB") : "n/a";
                static string Per(double? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b / 1024.0:F2} KB") : "n/a (fewer than 10,000 users were added)";
                md.AppendLine(c, $"- working set: {Mb(memory.StartWorkingSetBytes)} at the start, {Mb(memory.PeakWorkingSetBytes)} at the peak, {Mb(memory.EndWorkingSetBytes)} at the end; managed heap at most {Mb(memory.PeakManagedHeapBytes)}");
                md.AppendLine(c, $"- {memory.DistinctUsers:N0} distinct users simulated, {memory.UsersActivated:N0} user activations created, at most {memory.PeakUserActivations:N0} active at once ({memory.EndUserActivations:N0} at the end)");
                md.AppendLine(c, $"- per added active user: {Per(memory.WorkingSetBytesPerActiveUser)} of working set, {Per(memory.ManagedHeapBytesPerActiveUser)} of managed heap");
            }

            md.AppendLine();
            md.AppendLine("![memory](memory.png)");
        }

        md.AppendLine();
        md.AppendLine("![latency](latency.png)");
        md.AppendLine();
        md.AppendLine("![throughput](throughput.png)");
        md.AppendLine();
        md.AppendLine("![errors](errors.png)");
        return md.ToString();
    }
}
